/**
 * Preloaded (`node --require child-watchdog.js dist/main.js`) into every service `thespian up`
 * starts, so that no service outlives it. The parent holds the write end of this process's stdin
 * pipe and never writes to it. When the parent exits for any reason — including SIGKILL or a
 * crash, where it can run no code — the kernel closes that end and stdin reports end-of-file here.
 * The service then exits at once: its collector was the parent, so there is nothing to flush to.
 *
 * A normal stop does not come this way: the parent sends SIGTERM and keeps the pipe open while
 * the service drains and flushes its spans.
 */
const stdin = process.stdin;
const exitNow = (): void => process.exit(0);
stdin.on('end', exitNow);
stdin.on('close', exitNow);
stdin.on('error', exitNow);
stdin.on('data', () => undefined);
stdin.resume();
