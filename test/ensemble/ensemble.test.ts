import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OtlpTraceReceiver } from '../../src/collector';
import { Ensemble } from '../../src/ensemble';
import { parseTopology } from '../../src/topology';
import { openTraffic, parseTargetAddress, type RequestOutcome } from '../../src/traffic';
import { freePorts } from '../up/up-helpers';

test('an ensemble runs each service as a process on its port, reporting to the embedded receivers; traffic is open loop', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ensemble-test-'));
  const receiver = await OtlpTraceReceiver.start({ metricsAndLogs: true });
  try {
    const [port] = await freePorts(1);
    const topology = parseTopology(
      JSON.stringify({
        services: {
          slow: {
            port,
            replicas: 3,
            behaviour: { grpc_method_a: { tracing_name: 'slow work', operations: [{ Action: { Sleep: { tracing_name: 'wait', duration_ms: 200 } } }] } },
          },
        },
      }),
      'slow.json',
      'json',
    );
    const exitHooksBefore = process.listenerCount('exit');
    const ensemble = await Ensemble.start({ topology, otlpEndpoint: receiver.endpoint, logDir: dir });
    assert.equal(ensemble.services.length, 1, 'one process per service, whatever its replicas');
    const [{ port: servicePort, process: service }] = ensemble.services;
    assert.equal(servicePort, port);
    assert.ok(service.running);

    const outcomes: RequestOutcome[] = [];
    let mostInFlight = 0;
    const traffic = openTraffic(
      {
        targets: [{ address: parseTargetAddress(`127.0.0.1:${port}`), method: 'A', rate: 20, label: 'slow' }],
        durationS: 1,
        keepRequests: false,
        onOutcome: (outcome) => outcomes.push(outcome),
      },
      { timeoutMs: 10_000 },
    );
    const driver = traffic.run;
    const sampler = setInterval(() => (mostInFlight = Math.max(mostInFlight, driver.inFlight)), 10);
    await traffic.start();
    await driver.sendingDone;
    assert.ok(await driver.drain(10_000));
    clearInterval(sampler);
    traffic.close();

    // Open loop: 20/s for 1 s is about 20 requests although each takes 200 ms, so several overlap.
    assert.ok(driver.sent >= 17 && driver.sent <= 20, `sent ${driver.sent}`);
    assert.ok(mostInFlight >= 2, `at most ${mostInFlight} in flight: requests waited for each other`);
    assert.equal(outcomes.length, driver.sent);
    assert.ok(outcomes.every((outcome) => outcome.status === 'OK' && /^[0-9a-f]{32}$/.test(outcome.traceId ?? '')));

    await ensemble.stop(10_000);
    assert.deepEqual(service.status, { code: 0, signal: null }, 'SIGTERM: drained and exited cleanly');
    assert.equal(process.listenerCount('exit'), exitHooksBefore, 'the exit hook that kills services is removed once they are stopped');

    // Stopping flushed everything: a root span for every request, its logs and metrics.
    const roots = receiver.spans().filter((span) => span.parentSpanId === '' && span.attributes['rpc.service'] === 'thespian.Thespian');
    assert.deepEqual(new Set(roots.map((span) => span.traceId)), new Set(outcomes.map((outcome) => outcome.traceId)));
    assert.ok(roots.every((span) => span.service === 'slow'));
    // All three signals go over OTLP; the Loki push endpoint is there for services that use it.
    assert.ok(receiver.logRecords().some((record) => record.service === 'slow' && record.traceId !== ''), 'the step lines reached the receiver as OTLP log records');
    assert.ok(receiver.metricPoints().some((point) => point.service === 'slow' && point.metric === 'rpc.server.call.duration'), 'and the metrics');
    assert.match(readFileSync(service.logFile, 'utf8'), /"listening on port \d+"/, 'stdout went to the log file');
  } finally {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
