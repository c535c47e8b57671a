// instrumentation/poker-target.mjs picks the service `just up`'s poker calls: the root of the
// depends_on graph of a rendered compose file, on the port that service listens on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exists, readYaml, repoPath, root } from './kit-files';
// @ts-expect-error: a plain .mjs helper without type declarations
import { pokerTarget } from '../../instrumentation/poker-target.mjs';

const chain = {
  services: {
    payments: { environment: { PORT: '7001' } },
    checkout: { depends_on: ['payments', 'inventory'], environment: ['PORT=7000', 'SERVICE_NAME=checkout'] },
    inventory: {},
  },
};

test('the entry is the service nobody depends on, on its PORT', () => {
  assert.equal(pokerTarget(chain), 'checkout:7000');
});

test('depends_on in map form counts too, and PORT defaults to 6379', () => {
  assert.equal(
    pokerTarget({
      services: {
        b: {},
        a: { depends_on: { b: { condition: 'service_healthy' } } },
      },
    }),
    'a:6379',
  );
});

test('among several roots, the one with most dependencies wins, then the first by name', () => {
  const compose = {
    services: {
      lonely: {},
      web: { depends_on: ['api'] },
      api: {},
      admin: { depends_on: ['api'] },
    },
  };
  assert.equal(pokerTarget(compose), 'admin:6379');
});

test('a thespian.entry label overrides the graph, in either label form', () => {
  const marked = structuredClone(chain) as typeof chain & { services: Record<string, object> };
  (marked.services.inventory as Record<string, unknown>).labels = { 'thespian.entry': 'true' };
  assert.equal(pokerTarget(marked), 'inventory:6379');
  (marked.services.inventory as Record<string, unknown>).labels = ['thespian.entry=true'];
  assert.equal(pokerTarget(marked), 'inventory:6379');
});

test('a cycle still yields a target, and no services is a clear error', () => {
  assert.equal(pokerTarget({ services: { a: { depends_on: ['b'] }, b: { depends_on: ['a'] } } }), 'a:6379');
  assert.throws(() => pokerTarget({ services: {} }), /no services/);
  assert.throws(() => pokerTarget({}), /no services/);
});

test('the command line reads a compose file and prints HOST:PORT', () => {
  const dir = mkdtempSync(join(tmpdir(), 'poker-target-'));
  const file = join(dir, 'compose.yaml');
  writeFileSync(file, 'services:\n  front:\n    depends_on: [back]\n    environment:\n      PORT: "9000"\n  back: {}\n');
  const script = repoPath('instrumentation', 'poker-target.mjs');
  const ok = spawnSync(process.execPath, [script, file], { cwd: root, encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout.trim(), 'front:9000');
  const missing = spawnSync(process.execPath, [script, join(dir, 'absent.yaml')], { encoding: 'utf8' });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /poker-target: .*absent\.yaml/);
  const usage = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  assert.equal(usage.status, 2);
});

test('the rendered example ecosystem, when present, has an entry the poker can call', (t) => {
  const rendered = 'deploy/compose/docker-compose.yaml';
  if (!exists(rendered)) return t.skip(`${rendered} is not rendered yet`);
  const compose = readYaml(rendered);
  const [service, port] = pokerTarget(compose).split(':');
  assert.ok(compose.services[service]);
  assert.match(port, /^\d+$/);
});
