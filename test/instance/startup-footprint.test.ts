// What an instance loads at start decides its idle memory, paid once per simulated service
// (issue 14). This test looks at the modules a real instance has loaded when it stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { modulesLoadedAfter } from '../support/loaded-modules';

test('an instance does not load the incubating semantic conventions (about 7 MB of RSS for a few metric names)', async () => {
  const loaded = await modulesLoadedAfter();
  const incubating = loaded.filter((file) => /semantic-conventions\/dist\/(index-incubating|experimental_)/.test(file));
  assert.deepEqual(incubating, [], 'modules of @opentelemetry/semantic-conventions/incubating loaded');
});
