/**
 * A few of the property cases (config-properties.test.ts) through real instances: what parses in
 * process must start, and what is refused must exit 2 with exactly the problem lines the parser
 * gave, one per line, each with its JSON path, and no stack trace. Seeded, 20 cases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { ConfigError, parseBehaviour } from '../../src/config';
import { runToExit, startInstance } from '../support/instance-process';
import { arbitraryJson, checkRefusal, exampleMutation, stringInEveryField, type ConfigCase } from './config-arbitraries';

const CASES = fc.sample(fc.oneof(exampleMutation, stringInEveryField, arbitraryJson), { seed: 1111, numRuns: 20 });

/** Linux refuses to exec an environment string past 128 KiB; bigger configs go in a file. */
const MAX_INLINE = 64 * 1024;

const dir = mkdtempSync(join(tmpdir(), 'thespian-properties-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

CASES.forEach((config: ConfigCase, index) => {
  test(`case ${index} (${config.how.slice(0, 100)}): starts, or exits 2 with the parser's lines`, async () => {
    const inFile = index % 2 === 1 || config.text.length > MAX_INLINE;
    const path = join(dir, `case-${index}.jsonc`);
    if (inFile) writeFileSync(path, config.text);
    const env: Record<string, string> = inFile ? { CONFIG_FILE: path } : { CONFIG_JSON: config.text };
    const source = inFile ? `CONFIG_FILE (${path})` : 'CONFIG_JSON';

    let expected: readonly string[] | undefined;
    try {
      parseBehaviour(config.text, source, { allowComments: inFile });
    } catch (error) {
      assert.ok(error instanceof ConfigError, `${config.how}: ${String(error)}`);
      expected = error.problems;
    }

    if (expected === undefined) {
      const instance = await startInstance({ env: { ...env, PORT: '0' } });
      const { code } = await instance.stop();
      assert.equal(code, 0, `${config.how}: stderr:\n${instance.stderr()}`);
      return;
    }
    checkRefusal(expected, source, config.how);
    const { code, stdout, stderr } = await runToExit(env);
    assert.equal(code, 2, `${config.how}: stderr:\n${stderr.slice(0, 2000)}`);
    assert.equal(stdout, '', 'nothing on stdout: the instance never started');
    assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
    // A lone surrogate, if one were printed, would reach stderr as U+FFFD; the lines match the parser's exactly.
    // isDeepStrictEqual, not deepEqual: the assertion's diff of two 200 KB lines would take minutes.
    const lines = stderr.trimEnd().split('\n');
    assert.ok(isDeepStrictEqual(lines, [...expected]), `${config.how}: stderr is not the parser's lines:\n${stderr.slice(0, 2000)}`);
  });
});
