import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { OtlpTraceReceiver } from '../../src/collector';
import { callMethod, closeClients, startInstance, type InstanceProcess } from '../support/instance-process';
import { callService, methodA, sleep, step } from '../support/behaviours';
import { exportTo } from '../support/telemetry-env';
import { blackHole } from '../support/black-hole';
import { setTimeout as delay } from 'node:timers/promises';

after(() => closeClients());

function startupWarnings(instance: InstanceProcess): Record<string, unknown>[] {
  const listening = instance.logs.findIndex((line) => String(line.message).startsWith('listening'));
  return instance.logs.slice(0, listening).filter((line) => line.level === 'warn');
}

test('invalid standard OTEL_* values are each named in one warning at start, and the instance runs with the defaults', async () => {
  const receiver = await OtlpTraceReceiver.start();
  const downstreamBad = {
    OTEL_TRACES_SAMPLER: 'traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '2',
    OTEL_PROPAGATORS: 'bogus',
    OTEL_BSP_SCHEDULE_DELAY: '-5',
    OTEL_BLRP_SCHEDULE_DELAY: '-5',
  };
  const downstream = await startInstance({
    env: { ...exportTo(receiver), SERVICE_NAME: 'downstream', ...downstreamBad },
    behaviour: methodA('serve', step(sleep('work', 1))),
  });
  const upstreamBad = {
    OTEL_BSP_MAX_QUEUE_SIZE: '-1',
    OTEL_BSP_SCHEDULE_DELAY: 'abc',
    OTEL_BSP_EXPORT_TIMEOUT: '0',
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '50000',
    OTEL_BLRP_MAX_QUEUE_SIZE: '-1',
    OTEL_BLRP_SCHEDULE_DELAY: 'abc',
    OTEL_BLRP_EXPORT_TIMEOUT: '0',
    OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '5000',
    OTEL_TRACES_SAMPLER: 'bogus',
    OTEL_PROPAGATORS: 'bogus',
    OTEL_EXPORTER_OTLP_TIMEOUT: 'soon',
  };
  const upstream = await startInstance({
    env: { ...exportTo(receiver), SERVICE_NAME: 'upstream', ...upstreamBad },
    behaviour: methodA('ask', step(callService('call downstream', downstream.port))),
  });

  for (const [instance, bad] of [[upstream, upstreamBad], [downstream, downstreamBad]] as const) {
    const warnings = startupWarnings(instance);
    for (const [name, value] of Object.entries(bad)) {
      if (name === 'OTEL_TRACES_SAMPLER' && value === 'traceidratio') continue; // valid; its argument is not
      const about = warnings.filter((line) => String(line.message).startsWith(`${name}: `));
      assert.equal(about.length, 1, `one warning about ${name}, among: ${warnings.map((w) => w.message).join(' | ')}`);
      assert.ok(String(about[0].message).includes(JSON.stringify(value)), `it names the value: ${about[0].message}`);
      assert.match(String(about[0].message), /using the default|using \d+/, `it says what is used instead: ${about[0].message}`);
    }
  }
  // A batch larger than the queue (the default here, since -1 was refused: 32768 spans, 2048 log records) is cut to the queue's size, as the SDK does.
  assert.ok(startupWarnings(upstream).some((line) => /OTEL_BSP_MAX_EXPORT_BATCH_SIZE: .*using 32768/.test(String(line.message))));
  assert.ok(startupWarnings(upstream).some((line) => /^OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: must not exceed OTEL_BLRP_MAX_QUEUE_SIZE \(2048\) .*using 2048/.test(String(line.message))));

  const result = await callMethod(upstream.address, 'A', { deadlineMs: 5_000 });
  assert.equal(result.code, 0, result.details);
  // The default sampler samples everything, the default queue takes spans (a queue of -1 would drop
  // every one), and the default propagators carry the trace to the next instance (with none, the
  // downstream instance would start a trace of its own). The default 5 s delay applies on both.
  const spans = await receiver.waitFor((all) => all.some((s) => s.name === 'work') && all.some((s) => s.name === 'ask'), 20_000);
  assert.equal(spans.find((s) => s.name === 'work')!.traceId, result.traceId, 'the downstream span joins the caller\'s trace');
  assert.equal(spans.find((s) => s.name === 'ask')!.traceId, result.traceId);

  await Promise.all([upstream.stop(), downstream.stop()]);
  await receiver.close();
});

test('valid OTEL_* values give no warning', async () => {
  const small = await startInstance({ env: { OTEL_BSP_MAX_QUEUE_SIZE: '30', OTEL_BLRP_MAX_QUEUE_SIZE: '30' }, behaviour: methodA('serve', step(sleep('work', 1))) });
  assert.deepEqual(startupWarnings(small), [], 'a queue smaller than the default batch size is fine (the batch follows it)');
  await small.stop();
  const instance = await startInstance({
    env: {
      OTEL_BSP_MAX_QUEUE_SIZE: '4096',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1024',
      OTEL_BSP_SCHEDULE_DELAY: '0',
      OTEL_BLRP_MAX_QUEUE_SIZE: '32768',
      OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '2048',
      OTEL_BLRP_SCHEDULE_DELAY: '200',
      OTEL_BLRP_EXPORT_TIMEOUT: '30000',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_PROPAGATORS: 'tracecontext,baggage,b3',
    },
    behaviour: methodA('serve', step(sleep('work', 1))),
  });
  assert.deepEqual(startupWarnings(instance), []);
  await instance.stop();
});

// The exporter reads OTEL_EXPORTER_OTLP_TIMEOUT itself by a looser rule (any number above 0): it
// took "1.5" as 1.5 ms while our warning said the default was used. It now gets the checked value.
test('an export timeout refused with a warning really is replaced by the default: a black-holed endpoint is not given up on after 1.5 ms', async () => {
  const hole = await blackHole();
  const instance = await startInstance({
    env: { OTEL_TRACES_EXPORTER: 'otlp', OTEL_BACKEND_ADDRESS: hole.endpoint, OTEL_EXPORTER_OTLP_TIMEOUT: '1.5', OTEL_BSP_SCHEDULE_DELAY: '100' },
    behaviour: methodA('serve', step(sleep('work', 1))),
  });
  try {
    assert.ok(startupWarnings(instance).some((line) => /^OTEL_EXPORTER_OTLP_TIMEOUT: .*"1\.5".*using the default 10000/.test(String(line.message))));
    for (let i = 0; i < 5; i++) assert.equal((await callMethod(instance.address, 'A', { deadlineMs: 5_000 })).code, 0);
    // Exports start within 100 ms; with a 10 s deadline none can have failed 3 s later, however busy the machine.
    await delay(3_000);
    const failing = instance.logs.filter((line) => String(line.message).startsWith(`span export to ${hole.endpoint} is failing`));
    assert.deepEqual(failing.map((line) => line.message), [], 'no export was given up on yet');
  } finally {
    await instance.stop();
    await hole.close();
  }
});
