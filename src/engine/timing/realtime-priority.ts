import { execFile } from 'node:child_process';

/**
 * Real-time priority for the wake-up thread.
 *
 * At normal priority, on a machine whose CPUs are all busy, Linux sometimes leaves a thread whose
 * timer has fired waiting for the next scheduler tick (4 ms at HZ=250) before it runs. On a 2-vCPU
 * VM with four busy loops, 1 to 2 in 100 of a thread's 5 ms sleeps ended 4 ms late, and a Sleep's
 * span would with them. A SCHED_FIFO thread takes the CPU from any normal one the moment it
 * wakes: p99 0.12 ms in the same test. The thread does a few microseconds of work per wake-up, so
 * it cannot starve the rest of the machine, and the kernel caps real-time threads at 95% of a CPU
 * in any case.
 *
 * Node has no binding for sched_setscheduler, so this runs util-linux's `chrt`, which does just
 * that for one thread id. It needs CAP_SYS_NICE, or an RLIMIT_RTPRIO of at least 1 (which any
 * user may be given: `docker run --ulimit rtprio=1`).
 */

const FIFO_PRIORITY = '1';

/** Puts one thread of this process in SCHED_FIFO. Resolves undefined once it is, else why not. */
export function raiseToRealtime(osThreadId: number | undefined): Promise<string | undefined> {
  if (osThreadId === undefined) return Promise.resolve('real-time priority is only set on Linux');
  return new Promise((resolve) => {
    execFile('chrt', ['--fifo', '--pid', FIFO_PRIORITY, String(osThreadId)], { timeout: 5_000 }, (error, _stdout, stderr) => {
      if (!error) return resolve(undefined);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return resolve('chrt (util-linux) is not installed');
      if (/not permitted/i.test(stderr)) {
        return resolve('not permitted: it needs CAP_SYS_NICE, or an RLIMIT_RTPRIO of at least 1 (docker run --ulimit rtprio=1)');
      }
      resolve(`chrt failed: ${stderr.trim().split('\n')[0] || error.message}`);
    });
  });
}
