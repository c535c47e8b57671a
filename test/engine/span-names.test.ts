import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as names from '../../src/engine/span-names';
import { ROOT } from '../support/instance-process';

const SRC = join(ROOT, 'src');
const NAMES_FILE = 'engine/span-names.ts';

// The wire format: dashboards, verify and the tests read these. Changing one is a breaking change.
const WIRE: Record<string, string> = {
  THESPIAN_PREFIX: 'thespian.',
  ORIGINAL_NAME_ATTRIBUTE: '_tracing_name',
  KIND_ATTRIBUTE: 'thespian.kind',
  STEP_START_EVENT: 'thespian.step.start',
  EXCEPTION_EVENT: 'exception',
  INJECTED_ATTRIBUTE: 'thespian.injected',
  INJECTED_KIND_ATTRIBUTE: 'thespian.injected.kind',
  DURATION_MS_ATTRIBUTE: 'thespian.duration_ms',
  DURATION_ATTRIBUTE: 'thespian.duration',
  FAILURE_CHANCE_ATTRIBUTE: 'thespian.failure_chance',
  ROLL_ATTRIBUTE: 'thespian.roll',
  TARGET_ATTRIBUTE: 'thespian.target',
  GRPC_METHOD_ATTRIBUTE: 'thespian.grpc_method',
  INCIDENT_ATTRIBUTE: 'thespian.incident',
  TIMEOUT_MS_ATTRIBUTE: 'thespian.timeout_ms',
  RETRIES_MAX_ATTEMPTS_ATTRIBUTE: 'thespian.retries.max_attempts',
  ATTEMPTS_ATTRIBUTE: 'thespian.attempts',
  ATTEMPT_EVENT: 'thespian.attempt',
  ATTEMPT_NUMBER_ATTRIBUTE: 'thespian.attempt',
  ATTEMPT_CODE_ATTRIBUTE: 'thespian.attempt.code',
  ATTEMPT_SENT_ATTRIBUTE: 'thespian.attempt.sent',
  BACKOFF_MS_ATTRIBUTE: 'thespian.backoff_ms',
  LOG_LEVEL_ATTRIBUTE: 'thespian.log.level',
  QUEUED_MS_ATTRIBUTE: 'thespian.queued_ms',
  THESPIAN_RPC_SERVICE: 'thespian.Thespian',
  STEP_DURATION_METRIC: 'thespian.step.duration',
  INJECTED_FAILURES_METRIC: 'thespian.injected.failures',
  REQUESTS_IN_FLIGHT_METRIC: 'thespian.requests.in_flight',
  STEP_NAME_ATTRIBUTE: 'thespian.step.name',
  STEP_KIND_ATTRIBUTE: 'thespian.step.kind',
};

// Literals that look like ours but are no span name: the proto's file name, and the labels `render compose` puts on containers.
const NOT_SPAN_NAMES = new Set(["server/protocol.ts 'thespian.proto'", "render/compose.ts 'thespian.service'", "render/compose.ts 'thespian.entry'"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

test('span-names holds the wire format: each name has the value the traces have always carried', () => {
  assert.deepEqual({ ...names }, WIRE);
});

test('span-names is a leaf: it imports nothing, so any folder (collector too) may use it', () => {
  const text = readFileSync(join(SRC, NAMES_FILE), 'utf8');
  assert.doesNotMatch(text, /^\s*(import|export .* from)\b/m);
});

test("no 'thespian.*' or '_tracing_name' literal is typed out in src/ outside span-names", () => {
  const strays: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const at = relative(SRC, file).split('\\').join('/');
    if (at === NAMES_FILE) continue;
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(['"`])(thespian\.[^'"`]*|_tracing_name)\1/g)) {
      const literal = `${at} '${match[2]}'`;
      if (!NOT_SPAN_NAMES.has(literal)) strays.push(`${literal} (line ${text.slice(0, match.index).split('\n').length})`);
    }
  }
  assert.deepEqual(strays, [], 'import these names from src/engine/span-names.ts instead');
});
