/**
 * THESPIAN_TIMER_PRIORITY: the thread that times sleeps asks for real-time priority (`auto`, the
 * default), insists on it (`realtime`) or never asks (`normal`). The "listening" line says what
 * the instance got, and /proc shows it as the thread's scheduling policy.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { callMethod, closeClients, MAIN, startInstance, type InstanceProcess } from '../support/instance-process';
import { methodA, sleep, step } from '../support/behaviours';

after(closeClients);

const SCHED_FIFO = 1;
const linux = process.platform === 'linux';
const behaviour = methodA('nap', step(sleep('short nap', 30)));

/** The scheduling policy of each of the process's threads (field 41 of /proc/<pid>/task/<tid>/stat). */
function threadPolicies(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces; policy is the 41st field.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]);
  });
}

/** Whether `prefix` lets a program take real-time priority: the same chrt the instance uses, on `true`. */
function realtimeAllowed(prefix: string[] = []): boolean {
  const [command, ...args] = [...prefix, 'chrt', '--fifo', '1', 'true'];
  return spawnSync(command!, args).status === 0;
}

const listening = (instance: InstanceProcess) => instance.logs.find((line) => String(line.message).startsWith('listening'))!;

test('THESPIAN_TIMER_PRIORITY=normal: no thread of the instance is real-time, and sleeps work', { skip: !linux && 'Linux only' }, async () => {
  const instance = await startInstance({ env: { THESPIAN_TIMER_PRIORITY: 'normal' }, behaviour });
  try {
    assert.equal(listening(instance).sleep_timer, 'thread');
    assert.equal(listening(instance).sleep_timer_note, undefined);
    assert.equal(threadPolicies(instance.child.pid!).filter((policy) => policy === SCHED_FIFO).length, 0);
    assert.equal((await callMethod(instance.address, 'A')).code, 0);
  } finally {
    await instance.stop();
  }
});

test('auto (the default): the timer thread, and only it, is real-time where that is permitted; otherwise the line says why not', { skip: !linux && 'Linux only' }, async () => {
  const instance = await startInstance({ behaviour });
  try {
    const fifoThreads = threadPolicies(instance.child.pid!).filter((policy) => policy === SCHED_FIFO).length;
    if (realtimeAllowed()) {
      assert.equal(listening(instance).sleep_timer, 'real-time thread');
      assert.equal(fifoThreads, 1, 'one thread is SCHED_FIFO: the timer thread, not the main thread or the thread pool');
    } else {
      assert.equal(listening(instance).sleep_timer, 'thread');
      assert.match(String(listening(instance).sleep_timer_note), /^normal priority, /);
      assert.equal(fifoThreads, 0);
    }
    for (let call = 0; call < 3; call++) assert.equal((await callMethod(instance.address, 'A')).code, 0);
  } finally {
    await instance.stop();
  }
});

test('THESPIAN_TIMER_PRIORITY=realtime where it is not permitted: exit 1 with one line saying what to grant', { skip: !linux && 'Linux only' }, (t) => {
  // As root, drop CAP_SYS_NICE; for anyone, an RLIMIT_RTPRIO of 0 (lowering a limit needs no privilege).
  const prefix = [...(process.getuid?.() === 0 ? ['setpriv', '--bounding-set=-sys_nice', '--inh-caps=-sys_nice'] : []), 'prlimit', '--rtprio=0'];
  if (realtimeAllowed(prefix)) return t.skip('real-time priority cannot be withheld here');
  const [command, ...args] = [...prefix, process.execPath, MAIN];
  const result = spawnSync(command!, args, {
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, PORT: '0', OTEL_TRACES_EXPORTER: 'none', CONFIG_JSON: JSON.stringify(behaviour), THESPIAN_TIMER_PRIORITY: 'realtime' },
  });
  assert.equal(result.status, 1, result.stderr);
  const lines = result.stdout.trim().split('\n');
  assert.equal(lines.length, 1, result.stdout);
  assert.match(lines[0]!, /THESPIAN_TIMER_PRIORITY=realtime, but the thread that times sleeps cannot have real-time priority: not permitted: it needs CAP_SYS_NICE, or an RLIMIT_RTPRIO of at least 1/);
  assert.doesNotMatch(result.stdout + result.stderr, /^\s+at /m, 'no stack trace');
});

test('THESPIAN_TIMER_PRIORITY=realtime where it is permitted: starts with a real-time timer thread', { skip: !linux && 'Linux only' }, async (t) => {
  if (!realtimeAllowed()) return t.skip('real-time priority is not permitted here');
  const instance = await startInstance({ env: { THESPIAN_TIMER_PRIORITY: 'realtime' }, behaviour });
  try {
    assert.equal(listening(instance).sleep_timer, 'real-time thread');
    assert.equal((await callMethod(instance.address, 'A')).code, 0);
  } finally {
    await instance.stop();
  }
});
