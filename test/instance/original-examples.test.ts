import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OtlpTraceReceiver } from '../../src/collector';
import { callMethod, closeClients, startInstance } from '../support/instance-process';
import { exportTo } from '../support/telemetry-env';

/**
 * The original Rust project's two examples, byte for byte as it shipped them, must run unchanged.
 * call_service calls 127.0.0.1:6379, so standalone has to listen on the original default port.
 * THESPIAN_SEED=8 makes every failure_chance roll of standalone's first request a success, so the
 * whole tree runs (if the way rolls are drawn ever changes, pick a seed that does that again).
 */
test("the original's standalone and call_service examples run unchanged and form one trace", async () => {
  const receiver = await OtlpTraceReceiver.start();
  const standalone = await startInstance({ env: { ...exportTo(receiver), CONFIG_FILE: 'example_configs/standalone.json', PORT: '6379', THESPIAN_SEED: '8' } });
  const caller = await startInstance({ env: { ...exportTo(receiver), CONFIG_FILE: 'call_service' } });
  try {
    const result = await callMethod(caller.address, 'A');
    assert.equal(result.code, 0, result.details);
    const expected = [
      "engage 'fun' subroutine",
      'wiggle clamp hands in anticipation',
      'excitedly crank more power into LED eyes',
      'interface with starfox game',
      'spin torso 180 degrees and pat self on back',
      'do_a_barrel_roll',
      'listen_to_peppy',
      'press L',
      'press R',
      'accidentally unplug controller',
      'instinctually yank the controller to physically pull the arwing into a barrel roll',
      'unplug the cord, unintentionally harmonizing your scream with the sound of slippy perishing',
      'die horribly',
    ];
    const spans = await receiver.waitFor((all) => all.filter((s) => s.traceId === result.traceId).length >= expected.length + 3, 10_000);
    const trace = spans.filter((s) => s.traceId === result.traceId);
    for (const name of expected) assert.ok(trace.some((s) => s.name === name), `span "${name}"`);
    // Without SERVICE_NAME, the config's own service_name names the service, as in the original.
    assert.deepEqual(new Set(trace.map((s) => s.service)), new Set(['rob_playing_starfox', 'starfox_simulator']));
  } finally {
    closeClients();
    await Promise.all([caller.stop(), standalone.stop()]);
    await receiver.close();
  }
});
