/**
 * Property-based tests of config parsing (issue 11): whatever the text, a behaviour or topology
 * either parses or is refused with a ConfigError whose lines each start with a JSON path. Never
 * another exception (which would reach the user as a stack trace), never a hang. Seeded, so a
 * failure repeats; fast-check prints the smallest case it found.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConfigError, parseBehaviour } from '../../src/config';
import { parseTopology } from '../../src/topology';
import { arbitraryJson, checkRefusal, EXAMPLES, EXAMPLES_DIR, exampleMutation, stringInEveryField, type ConfigCase } from './config-arbitraries';

const SEED = 11;

/** Parses a case as its kind; returns the problems of a refusal, or undefined if it parsed. */
function verdictOf(config: ConfigCase, source: string): readonly string[] | undefined {
  try {
    if (config.kind === 'behaviour') parseBehaviour(config.text, source, { allowComments: true });
    else parseTopology(config.text, source, 'json', EXAMPLES_DIR);
    return undefined;
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    assert.fail(`${config.how}: threw ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error)}`);
  }
}

function parsesOrIsRefusedCleanly(config: ConfigCase): void {
  const problems = verdictOf(config, 'CONFIG_FILE (x.jsonc)');
  if (problems) checkRefusal(problems, 'CONFIG_FILE (x.jsonc)', config.how);
}

test('every bundled example parses as what it is', () => {
  assert.ok(EXAMPLES.some((example) => example.kind === 'behaviour') && EXAMPLES.some((example) => example.kind === 'topology'));
  for (const example of EXAMPLES) assert.equal(verdictOf({ kind: example.kind, text: JSON.stringify(example.data), how: example.file }, 'x'), undefined, example.file);
});

test('arbitrary JSON either parses or is refused with one JSON path per line', () => {
  fc.assert(fc.property(arbitraryJson, parsesOrIsRefusedCleanly), { seed: SEED, numRuns: 300, includeErrorInReport: true });
});

test('mutations of the bundled examples either parse or are refused with one JSON path per line', () => {
  let refused = 0;
  fc.assert(
    fc.property(exampleMutation, (config) => {
      parsesOrIsRefusedCleanly(config);
      if (verdictOf(config, 'x')) refused++;
    }),
    { seed: SEED, numRuns: 400, includeErrorInReport: true },
  );
  // The mutations must reach the checks, not only make harmless changes.
  assert.ok(refused > 100, `only ${refused} of 400 mutations were refused`);
});

test('an arbitrary string in any string field either parses or is refused with one JSON path per line', () => {
  fc.assert(fc.property(stringInEveryField, parsesOrIsRefusedCleanly), { seed: SEED, numRuns: 300, includeErrorInReport: true });
});

test('a __proto__ key and a repeated key are always refused, a byte order mark never', () => {
  fc.assert(
    fc.property(exampleMutation, (config) => {
      const problems = verdictOf(config, 'x');
      if (config.how.includes('__proto__ added')) assert.ok(problems?.some((line) => /__proto__: unknown key/.test(line)), `${config.how}: ${problems}`);
      if (config.how.endsWith('given twice')) assert.ok(problems?.some((line) => /is given twice \(at line \d+, column \d+ and at line \d+, column \d+\)/.test(line)), config.how);
      if (config.how.includes('byte order mark')) assert.equal(problems, undefined, config.how);
    }),
    { seed: SEED + 1, numRuns: 300, includeErrorInReport: true },
  );
});
