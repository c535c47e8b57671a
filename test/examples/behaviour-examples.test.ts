import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { OtlpTraceReceiver } from '../../src/collector';
import { bundledExampleNames } from '../../src/config';
import { callMethod, closeClients, startInstance } from '../support/instance-process';
import { exportTo } from '../support/telemetry-env';
import { exampleFiles } from './example-files';

after(closeClients);

test('every behaviour example in example_configs/ is a bundled example name for CONFIG_FILE', () => {
  const files = exampleFiles()
    .filter((example) => example.kind === 'behaviour')
    .map((example) => example.name);
  assert.deepEqual(bundledExampleNames(), files);
  for (const name of ['standalone', 'call_service', 'chaos_checkout', 'chaos_latency', 'slow_sometimes']) {
    assert.ok(files.includes(name), `${name} is bundled`);
  }
});

test('every bundled behaviour example validates, starts from its bare name, and stops on SIGTERM with exit 0', async () => {
  const names = bundledExampleNames();
  // Two at a time: fast, without crowding a 2-core machine.
  for (let index = 0; index < names.length; index += 2) {
    await Promise.all(
      names.slice(index, index + 2).map(async (name) => {
        const instance = await startInstance({ env: { CONFIG_FILE: name } }).catch((error: Error) => {
          throw new Error(`CONFIG_FILE=${name} did not start: ${error.message}`);
        });
        try {
          assert.ok(instance.port > 0, `${name} listens`);
        } finally {
          const exit = await instance.stop('SIGTERM');
          assert.deepEqual(exit, { code: 0, signal: null }, `${name} stops cleanly; stderr:\n${instance.stderr()}`);
        }
      }),
    );
  }
});

test('slow_sometimes answers A and B; its Log actions are log lines and span events, its steps carry their attributes', async () => {
  const receiver = await OtlpTraceReceiver.start();
  const instance = await startInstance({ env: { ...exportTo(receiver), CONFIG_FILE: 'slow_sometimes', THESPIAN_SEED: '7' } });
  try {
    for (const method of ['A', 'B', 'A'] as const) {
      const result = await callMethod(instance.address, method);
      assert.equal(result.code, 0, `${method}: ${result.details}`);
    }
    const served = await instance.waitForLines((line) => line.message === 'profile served', 2);
    assert.equal(served.length, 2);
    for (const line of served) assert.match(String(line.trace_id), /^[0-9a-f]{32}$/);
    await instance.waitForLines((line) => line.message === 'feed served' && line['feed.items'] === 25);

    const count = (all: { name: string }[], name: string) => all.filter((span) => span.name === name).length;
    const spans = await receiver.waitFor(
      (all) => count(all, 'fetch avatar') === 2 && count(all, 'GET /profile/{id}') === 2 && count(all, 'serialise feed') === 1,
      10_000,
    );
    for (const avatar of spans.filter((span) => span.name === 'fetch avatar')) {
      assert.equal(avatar.service, 'profile');
      assert.equal(avatar.attributes['object_store.bucket'], 'avatars');
      assert.equal(typeof avatar.attributes['thespian.duration_ms'], 'number', 'the drawn latency is recorded');
    }
    const profile = spans.find((span) => span.name === 'GET /profile/{id}')!;
    assert.equal(profile.attributes['http.route'], '/profile/{id}');
    assert.ok(profile.events.some((event) => event.name === 'profile requested' && event.attributes['profile.tier'] === 'free'));
    assert.ok(spans.some((span) => span.name === 'serialise feed' && span.attributes['thespian.kind'] === 'Compute'));
  } finally {
    const exit = await instance.stop();
    await receiver.close();
    assert.equal(exit.code, 0);
  }
});
