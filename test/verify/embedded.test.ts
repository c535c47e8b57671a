import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VerifyResult } from '../../src/verify';
import { runToExit } from '../support/instance-process';
import { freePorts, startUp, tempDir, writeJson } from '../up/up-helpers';
import { shopTopology } from './verify-helpers';

/**
 * verify against a real `thespian up`: the services as real processes, their spans and lines
 * in up's embedded collector, read back through its Tempo/Loki-style query API. The failure rate
 * observed over many real requests is held against predict's probability (0.25) too.
 */
test('verify --embedded reads a running thespian up back: nothing lost, failure rate as predicted', async () => {
  const [front, back, query] = await freePorts(3);
  const dir = tempDir();
  const topologyPath = writeJson(dir, 'shop.json', shopTopology({ front, back }, 1));
  const up = startUp([topologyPath, '--duration', '90', '--quiet', '--query-port', String(query)]);
  try {
    await up.waitForOutput(/^ready: /m, 60_000);
    assert.match(up.stdout(), new RegExp(`^query: http://127\\.0\\.0\\.1:${query} `, 'm'));
    const json = join(dir, 'result.json');
    const requests = 200;
    const run = await runToExit(
      {},
      ['verify', '--topology', topologyPath, '--embedded', '--query-port', String(query), '--requests', String(requests), '--rate', '100', '--wait', '30', '--json', json],
      90_000,
    );
    assert.equal(run.code, 0, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
    assert.match(run.stdout, /^Verify: verify-shop via thespian up http:\/\/127\.0\.0\.1:\d+, logs from the same/);
    assert.match(run.stdout, /^PASS: nothing lost/m);
    const result = JSON.parse(readFileSync(json, 'utf8')) as VerifyResult;
    assert.deepEqual(result.traces, { complete: requests, partial: 0, missing: 0 });
    assert.equal(result.spans.lost, 0);
    assert.equal(result.logLines?.lost, 0);
    // Real processes are not seeded here: a generous 4.5 standard errors around the prediction.
    const rate = result.failureRates.all;
    const tolerance = 4.5 * Math.sqrt((0.25 * 0.75) / rate.requests);
    assert.ok(Math.abs(rate.observed - 0.25) <= tolerance, `observed ${rate.observed} of ${rate.requests}, predicted 0.25 ± ${tolerance}`);
  } finally {
    up.child.kill('SIGINT');
    await up.exited;
  }
});

test('verify exits 1 with one sentence when no thespian up answers, 2 for bad arguments', async () => {
  const [front, back] = await freePorts(2);
  const topologyPath = writeJson(tempDir(), 'shop.json', shopTopology({ front, back }));
  const nobody = await runToExit({}, ['verify', '--topology', topologyPath, '--embedded', '--requests', '3', '--wait', '1'], 30_000);
  assert.equal(nobody.code, 1, nobody.stderr);
  assert.match(nobody.stderr, /^thespian verify: no request was answered \(3 UNAVAILABLE.*is `thespian up` of this topology running\?/m);
  assert.ok(!nobody.stderr.includes('    at '), 'no stack trace');

  const cases: [string[], RegExp][] = [
    [['--embedded'], /which topology\?/],
    [['--topology', topologyPath], /where to read traces back\?/],
    [['--topology', topologyPath, '--tempo', 'http://a', '--jaeger', 'http://b'], /give one of --tempo, --jaeger and --embedded/],
    [['--topology', topologyPath, '--embedded', '--max-loss', '2'], /--max-loss must be a fraction/],
    [['--topology', topologyPath, '--embedded', '--target', 'nobody=127.0.0.1:1'], /nobody is not an entry point/],
    [['--topology', join(tempDir(), 'absent.json'), '--embedded'], /cannot read the topology: no such file/],
  ];
  for (const [args, message] of cases) {
    const run = await runToExit({}, ['verify', ...args], 30_000);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message);
  }
});

test('verify follows a staged entry point with its own count: every one of --requests is sent, at the stages\' mean rate', async () => {
  const [front, back, query] = await freePorts(3);
  const dir = tempDir();
  // One stage of 200 ms, a ramp from 0 to 10/s (one request in `up`, the least a topology's stages
  // may send): at verify's --rate 60 it would integrate to 12 requests, fewer than the 30 asked
  // for; verify sends its own count at the stages' mean rate instead, flat.
  const topology = shopTopology({ front, back }, 1) as { entry_points: object[] };
  topology.entry_points = [{ service: 'front', method: 'A', stages: [{ for: '200ms', rps: 10 }] }];
  const topologyPath = writeJson(dir, 'staged-shop.json', topology);
  const up = startUp([topologyPath, '--duration', '90', '--quiet', '--query-port', String(query)]);
  try {
    await up.waitForOutput(/^ready: /m, 60_000);
    const json = join(dir, 'result.json');
    const run = await runToExit(
      {},
      ['verify', '--topology', topologyPath, '--embedded', '--query-port', String(query), '--requests', '30', '--rate', '60', '--wait', '30', '--json', json],
      90_000,
    );
    assert.equal(run.code, 0, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
    const result = JSON.parse(readFileSync(json, 'utf8')) as VerifyResult;
    assert.deepEqual(result.traces, { complete: 30, partial: 0, missing: 0 });
  } finally {
    up.child.kill('SIGINT');
    await up.exited;
  }
});
