import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadTopology } from '../../src/topology';
import { runToExit } from '../support/instance-process';
import { tempDir } from '../up/up-helpers';

/** `thespian generate` as a user runs it, and what the other commands make of its files. */

async function generate(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runToExit({}, ['generate', ...args], 60_000);
}

test('-o FILE and -o - give the same bytes, run after run; the file says how it was made', async () => {
  const dir = tempDir();
  try {
    const path = join(dir, 'twenty.jsonc');
    const written = await generate(['--services', '20', '--shape', 'scale-free', '--seed', '9', '-o', path]);
    assert.equal(written.code, 0, written.stderr);
    assert.match(written.stdout, /twenty\.jsonc: 20 services \(scale-free\), \d+ entry points?, 5 requests\/s in all/);
    const printed = await generate(['--shape', 'scale-free', '--services', '20', '--seed', '9', '-o', '-']);
    assert.equal(printed.code, 0, printed.stderr);
    assert.equal(printed.stdout, readFileSync(path, 'utf8'));
    assert.match(printed.stdout, /^\/\/ Made by: thespian generate --services 20 --shape scale-free --seed 9 --depth 8 --entry-rps 5\n/);
    const again = await generate(['--services', '20', '--shape', 'scale-free', '--seed', '10', '-o', '-']);
    assert.notEqual(again.stdout, printed.stdout, 'another seed, another file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad options: exit 2, one line saying what is wrong', async () => {
  const cases: [string[], RegExp][] = [
    [['--services', '0', '-o', '-'], /^thespian generate: --services must be a whole number from 1 to 2000 \(got "0"\)$/m],
    [['--services', '2001', '-o', '-'], /--services must be a whole number from 1 to 2000 \(got "2001"\)/],
    [['--services', '5', '--shape', 'ring', '-o', '-'], /--shape must be one of tiered, scale-free, fan-out, chain \(got "ring"\)/],
    [['--services', '5', '--depth', '0', '-o', '-'], /--depth must be a whole number from 1 to 32 \(got "0"\)/],
    [['--services', '40', '--shape', 'chain', '-o', '-'], /--services must be at most 32 for --shape chain/],
    [['--services', '5', '-o', '/nonexistent-dir/x.jsonc'], /-o \/nonexistent-dir\/x\.jsonc: cannot write there \(ENOENT\)/],
    [['--services', '5'], /-o FILE is required/],
    [['-o', '-'], /--services N is required/],
  ];
  for (const [args, expected] of cases) {
    const run = await generate(args);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, expected, args.join(' '));
    assert.equal(run.stdout, '', 'nothing written');
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('predict and render (k8s, compose) take a generated topology', async () => {
  const dir = tempDir();
  try {
    const path = join(dir, 'tiered.jsonc');
    assert.equal((await generate(['--services', '30', '-o', path])).code, 0);
    const names = loadTopology(path).services.map((service) => service.name);
    const predicted = await runToExit({}, ['predict', path, '--json', '--samples', '500'], 60_000);
    assert.equal(predicted.code, 0, predicted.stderr);
    const { predictions } = JSON.parse(predicted.stdout) as { predictions: { endpoint: string; spans: { success: number } }[] };
    assert.ok(predictions.length > 0 && predictions.every((p) => p.spans.success > 1), predicted.stdout.slice(0, 500));
    for (const target of ['k8s', 'compose']) {
      const rendered = await runToExit({}, ['render', target, path], 60_000);
      assert.equal(rendered.code, 0, `${target}: ${rendered.stderr}`);
      assert.equal(rendered.stderr, '', `${target}: no warnings`);
      for (const name of names) assert.ok(rendered.stdout.includes(name), `${target} renders ${name}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// With a fixed 0.5–2% per store, failures compounded with size: the 20-service tiered system
// failed 15% of its requests, the 200-service fan-out 86%.
test('a generated system fails about 1–5% of its requests, whatever its size and shape (thespian predict)', { timeout: 300_000 }, async () => {
  const dir = tempDir();
  try {
    const cases: [string, number][] = [
      ['tiered', 20],
      ['tiered', 50],
      ['tiered', 100],
      ['tiered', 200],
      ['scale-free', 200],
      ['fan-out', 200],
    ];
    for (const [shape, services] of cases) {
      const path = join(dir, `${shape}-${services}.jsonc`);
      assert.equal((await generate(['--services', String(services), '--shape', shape, '-o', path])).code, 0);
      const run = await runToExit({}, ['predict', path, '--json', '--samples', '200'], 120_000);
      assert.equal(run.code, 0, run.stderr);
      const failures = (JSON.parse(run.stdout) as { predictions: { failure: { probability: number } }[] }).predictions.map((p) => p.failure.probability);
      // The entry points share the traffic evenly, so the plain mean is the system's failure rate.
      const overall = failures.reduce((sum, p) => sum + p, 0) / failures.length;
      assert.ok(overall >= 0.01 && overall <= 0.05, `${shape} ${services}: ${(overall * 100).toFixed(2)}% of requests fail`);
      assert.ok(Math.max(...failures) <= 0.08, `${shape} ${services}: an entry point fails ${(Math.max(...failures) * 100).toFixed(2)}%`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
