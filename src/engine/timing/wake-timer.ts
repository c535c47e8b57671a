import { extname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { monotonicMs, waitUntil } from './monotonic-time';
import { asMicros, NEVER, type WakeNotice, type WakeRequest, type WakeThreadData } from './wake-protocol';

interface PendingWake {
  /** Monotonic ms. */
  readonly at: number;
  readonly onWake: (wokeAt: number) => void;
  /** Set when the wake-up thread is gone and this thread keeps the timer itself. */
  cancelHere?: () => void;
}

/**
 * Timers kept by a thread of their own, so that they fire on time however busy this thread is.
 *
 * A Sleep's span ends when its timer fires. Kept on the main thread, that timer waits for the
 * turn in progress and for garbage collection, which under load made 50 ms sleeps last 60 to 500
 * ms. The wake-up thread notes the moment the time is up; the main thread ends the span at that
 * moment whenever it gets to it, so its own delays show between spans rather than inside a Sleep.
 *
 * Should the thread fail to start or die, the pending and later timers run on this thread, as
 * plain timers, so that no sleep is ever lost.
 */
export class WakeTimer {
  private readonly pending = new Map<number, PendingWake>();
  private nextId = 1;
  /** Our end of the channel to the thread; undefined once the thread is gone. */
  private thread: { readonly worker: Worker; readonly port: MessagePort; readonly signal: Int32Array; readonly nextWake: BigInt64Array } | undefined;
  /** monotonicMs() − performance.now(): both count from the same clock. */
  private readonly offset = monotonicMs() - performance.now();
  /** Resolves true once the thread runs, or false when it could not start and this thread took over. */
  readonly ready: Promise<boolean>;
  /** The thread's id in the OS, once it runs (Linux only). */
  osThreadId: number | undefined;
  /** Told once if the thread dies after it ran: sleeps are timed here from then on, and stretch when this thread is busy. */
  private readonly lostListeners: ((why: string) => void)[] = [];
  private ran = false;

  /** False once the thread is gone (it could not start, or died) and this thread keeps the timers. */
  get threadRuns(): boolean {
    return this.thread !== undefined;
  }

  /** `heapLimitMb`: the thread's heap limit (THREAD_HEAP_LIMIT_MB; tests give less, to see the thread die). */
  constructor(heapLimitMb = THREAD_HEAP_LIMIT_MB) {
    const { port1, port2 } = new MessageChannel();
    const signal = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const nextWake = new BigInt64Array(new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT)).fill(NEVER);
    const workerData: WakeThreadData = { port: port2, signal, nextWake };
    const worker = startThread(workerData, port2, heapLimitMb);
    this.thread = { worker, port: port1, signal, nextWake };
    let started: (running: boolean) => void;
    this.ready = new Promise((resolve) => (started = resolve));
    port1.on('message', (notice: WakeNotice) => {
      if ('ready' in notice) {
        this.osThreadId = notice.osThreadId;
        this.ran = true;
        // From now on the thread never keeps the process alive; the port does, while a wake-up is pending.
        worker.unref();
        if (this.pending.size === 0) port1.unref();
        started(true);
      } else {
        this.woke(notice.id, notice.woke);
      }
    });
    const takeOver = (why: string) => {
      const wasRunning = this.ran && this.thread !== undefined;
      this.takeOver();
      started(false);
      if (wasRunning) for (const listener of this.lostListeners) listener(why);
    };
    worker.on('error', (error: Error) => takeOver(error.message));
    worker.on('exit', (code: number) => takeOver(`it exited with code ${code}`));
  }

  /** `listener` is told (once) if the thread dies while the instance runs. */
  onThreadLost(listener: (why: string) => void): void {
    this.lostListeners.push(listener);
  }

  /** Calls `onWake` with the time it woke once performance.now() reaches `at`; returns a cancel function. */
  at(at: number, onWake: (wokeAt: number) => void): () => void {
    const id = this.nextId++;
    const wake: PendingWake = { at: at + this.offset, onWake };
    this.pending.set(id, wake);
    if (this.thread) {
      if (this.pending.size === 1) this.thread.port.ref();
      this.send({ id, at: wake.at });
    } else {
      this.keepHere(id, wake);
    }
    return () => {
      if (!this.pending.delete(id)) return;
      wake.cancelHere?.();
      if (this.thread) {
        this.send({ cancel: id });
        if (this.pending.size === 0) this.thread.port.unref();
      }
    };
  }

  /**
   * Posts a request, and wakes the thread only if it would otherwise sleep past it. Atomics.notify
   * takes a lock that the thread needs to return from its wait, so every needless notify is a
   * chance for it to be held up. Skipping is safe: the bump comes first, and a thread that has
   * not yet begun its wait sees it and goes round at once, taking the request.
   */
  private send(request: WakeRequest): void {
    const { port, signal, nextWake } = this.thread!;
    port.postMessage(request);
    Atomics.add(signal, 0, 1);
    if ('at' in request && asMicros(request.at) < Atomics.load(nextWake, 0)) Atomics.notify(signal, 0);
  }

  private woke(id: number, wokeAt: number): void {
    const wake = this.pending.get(id);
    if (!wake) return; // cancelled after the thread had already woken it
    this.pending.delete(id);
    if (this.pending.size === 0) this.thread?.port.unref();
    // Never later than now: span end times past performance.now() would be read as epoch times.
    wake.onWake(Math.min(wokeAt - this.offset, performance.now()));
  }

  private keepHere(id: number, wake: PendingWake): void {
    wake.cancelHere = waitUntil(wake.at, (wokeAt) => this.woke(id, wokeAt));
  }

  private takeOver(): void {
    if (!this.thread) return;
    this.thread.port.close();
    this.thread = undefined;
    for (const [id, wake] of this.pending) this.keepHere(id, wake);
  }
}

/**
 * The thread's heap limit. It holds little more than its pending wake-ups (tens of bytes each)
 * and Node's own start-up. 16 MB held 100,000 sleeps in flight on Node 20 but not always on
 * Node 22, the image's (the thread died in one of three runs), so 32 MB. A worker left to V8's
 * defaults sizes its heap like a main thread's, which cost about 0.8 MB more RSS when idle
 * (bench/scale.ts). Should the thread still run out, it dies, the instance says so, and this
 * thread takes its timers over (see takeOver), so no sleep is lost.
 */
const THREAD_HEAP_LIMIT_MB = 32;

/**
 * Under tsx (the tests and benchmarks run the TypeScript sources), tsx's hooks do not reach a
 * worker by themselves, so the thread loads them first. Built, it is a plain .js file.
 */
function startThread(workerData: WakeThreadData, port: MessagePort, heapLimitMb: number): Worker {
  const file = join(__dirname, `wake-thread${extname(__filename)}`);
  const options = { workerData, transferList: [port], resourceLimits: { maxOldGenerationSizeMb: heapLimitMb } };
  if (extname(file) !== '.ts') return new Worker(file, options);
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(file)});`, { ...options, eval: true });
}
