// The schedule player with a recording injector in place of the admin API: which windows it puts
// in effect, for how long, in what order, what it says of each, and that stop() cancels what is
// to come. Real timers; only order and counts are asserted, never how late a timer fired, and the
// windows are long enough (half a second or more) that a timer firing late on a busy machine still
// finds its window open (one that fires after its window has passed is refused, on purpose).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { SchedulePlayer, scheduleEventText, type ScheduleEvent } from '../../src/chaos';
import type { ScheduledIncident } from '../../src/topology';

function incident(fields: Partial<ScheduledIncident> & Pick<ScheduledIncident, 'name' | 'atMs' | 'forMs'>): ScheduledIncident {
  return { service: 'payments', step: 'charge card', failureChance: 1, failureCode: 'UNAVAILABLE', ...fields };
}

interface Recorder {
  readonly injected: { name: string; durationMs: number }[];
  readonly events: ScheduleEvent[];
  readonly player: SchedulePlayer;
}

function play(incidents: ScheduledIncident[], refuse: (name: string, call: number) => string | undefined = () => undefined, now?: () => number): Recorder {
  const injected: Recorder['injected'] = [];
  const events: ScheduleEvent[] = [];
  const player = new SchedulePlayer(
    incidents,
    async (chosen, durationMs) => {
      injected.push({ name: chosen.name, durationMs });
      return refuse(chosen.name, injected.length);
    },
    (event) => events.push(event),
    now,
  );
  return { injected, events, player };
}

const summary = (events: readonly ScheduleEvent[]) => events.map((event) => `${event.kind} ${event.window.incident.name} #${event.window.occurrence}`);

test('a window without repeat: injected once for at most its length, said started then ended, and the player finishes', async () => {
  const { injected, events, player } = play([incident({ name: 'outage', atMs: 200, forMs: 600 })]);
  player.start();
  await player.finished;
  assert.deepEqual(summary(events), ['started outage #0', 'ended outage #0']);
  assert.equal(injected.length, 1);
  assert.ok(injected[0]!.durationMs > 0 && injected[0]!.durationMs <= 600, `injected for what is left of the window (${injected[0]!.durationMs} ms)`);
  const [started, ended] = events;
  assert.deepEqual([started!.window.startMs, started!.window.endMs], [200, 800]);
  assert.ok(started!.atMs <= ended!.atMs);
  assert.match(scheduleEventText(started!), /^\+0:00\.\d  incident "outage" started on payments \(A, B, C › charge card: fails UNAVAILABLE 1\) for 600 ms, until \+0:00\.8$/);
  assert.match(scheduleEventText(ended!), /^\+0:00\.\d  incident "outage" ended on payments$/);
});

test('windows of several incidents come in the order of their starts, each its own window', async () => {
  const { events, player } = play([incident({ name: 'late', atMs: 1200, forMs: 500 }), incident({ name: 'early', atMs: 0, forMs: 500, service: 'cart' })]);
  player.start();
  await player.finished;
  assert.deepEqual(summary(events), ['started early #0', 'ended early #0', 'started late #0', 'ended late #0']);
  assert.equal(events[0]!.window.incident.service, 'cart');
});

test('repeat_every: window after window until stop(), which cancels those to come and lets finished resolve', async () => {
  const { injected, events, player } = play([incident({ name: 'flap', atMs: 0, forMs: 500, repeatEveryMs: 1000 })]);
  player.start();
  while (events.filter((event) => event.kind === 'started').length < 3) await delay(10);
  player.stop();
  await player.finished;
  const count = injected.length;
  await delay(1500);
  assert.equal(injected.length, count, 'nothing is injected after stop()');
  const starts = events.filter((event) => event.kind === 'started');
  assert.deepEqual(
    starts.map((event) => [event.window.occurrence, event.window.startMs, event.window.endMs]),
    [
      [0, 0, 500],
      [1, 1000, 1500],
      [2, 2000, 2500],
    ],
  );
});

test('a refused window is said with its reason, has no end, and the next window is still tried', async () => {
  const { events, player } = play([incident({ name: 'flap', atMs: 0, forMs: 500, repeatEveryMs: 1000 })], (_name, call) => (call === 1 ? '127.0.0.1:7104: admin API refused: wrong token\n127.0.0.1:7105: the instance did not answer in time' : undefined));
  player.start();
  while (!events.some((event) => event.kind === 'ended')) await delay(10);
  player.stop();
  assert.deepEqual(summary(events).slice(0, 3), ['refused flap #0', 'started flap #1', 'ended flap #1']);
  const refused = events[0]!;
  assert.equal(refused.kind === 'refused' && refused.reason.split('\n').length, 2);
  assert.match(scheduleEventText(refused), /incident "flap" NOT started on payments: 127\.0\.0\.1:7104: admin API refused: wrong token; 127\.0\.0\.1:7105: the instance did not answer in time$/);
});

test('a window whose time has passed before its turn came is refused, not injected', async () => {
  let skew = 0;
  const { injected, events, player } = play([incident({ name: 'missed', atMs: 10, forMs: 20 })], undefined, () => performance.now() + skew);
  player.start();
  // As if the process had been stopped (SIGSTOP, a long GC) for longer than the window.
  skew = 10_000;
  await player.finished;
  assert.equal(injected.length, 0);
  assert.deepEqual(summary(events), ['refused missed #0']);
  assert.match(scheduleEventText(events[0]!), /NOT started on payments: its window had passed before it could be injected/);
});

test('stop() before the first window: nothing is injected; no incidents at all: finished at once', async () => {
  const early = play([incident({ name: 'outage', atMs: 500, forMs: 500 })]);
  early.player.start();
  early.player.stop();
  await early.player.finished;
  await delay(1200);
  assert.deepEqual([early.injected.length, early.events.length], [0, 0]);

  const none = play([]);
  none.player.start();
  await none.player.finished;
  assert.equal(none.events.length, 0);
});
