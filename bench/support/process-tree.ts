import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * A process and everything below it, read from /proc. `thespian up` starts each service in a
 * process group of its own, so a process group says nothing: descent is found through the parent
 * pid of every process (/proc/PID/stat).
 */

export interface ProcessFigures {
  readonly pid: number;
  /** The command's name as the kernel keeps it (/proc/PID/comm: `node`, `chrt`). */
  readonly command: string;
  /** VmRSS, in MB (1e6 bytes). */
  readonly rssMb: number;
  /** User + system CPU time so far. */
  readonly cpuSeconds: number;
}

export interface TreeSample {
  readonly root: ProcessFigures | undefined;
  readonly descendants: readonly ProcessFigures[];
}

const TICKS_PER_SECOND = clockTicks();

function clockTicks(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

interface StatLine {
  readonly pid: number;
  readonly command: string;
  readonly ppid: number;
  readonly cpuSeconds: number;
}

/** The fields of /proc/PID/stat after the command name, which may itself hold spaces and parentheses. */
function readStat(pid: number): StatLine | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone between the listing and the read
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After the name: state(0) ppid(1) … utime(11) stime(12), in clock ticks.
  const command = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
  return { pid, command, ppid: Number(fields[1]), cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND };
}

function readRssMb(pid: number): number | undefined {
  try {
    const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    // A zombie has no VmRSS line: it holds no memory any more.
    return line ? (Number(line[1]) * 1024) / 1e6 : 0;
  } catch {
    return undefined;
  }
}

/** The root's figures and those of every process under it, as they are now. */
export function sampleTree(rootPid: number): TreeSample {
  const stats = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((stat): stat is StatLine => stat !== undefined);
  const children = new Map<number, StatLine[]>();
  for (const stat of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  const figures = (stat: StatLine): ProcessFigures | undefined => {
    const rssMb = readRssMb(stat.pid);
    return rssMb === undefined ? undefined : { pid: stat.pid, command: stat.command, rssMb, cpuSeconds: stat.cpuSeconds };
  };
  const descendants: ProcessFigures[] = [];
  const queue = [...(children.get(rootPid) ?? [])];
  while (queue.length > 0) {
    const stat = queue.shift()!;
    const found = figures(stat);
    if (found) descendants.push(found);
    queue.push(...(children.get(stat.pid) ?? []));
  }
  const rootStat = stats.find((stat) => stat.pid === rootPid);
  return { root: rootStat && figures(rootStat), descendants };
}

/** Total RSS of a sample, root included. */
export function totalRssMb(sample: TreeSample): number {
  return (sample.root?.rssMb ?? 0) + sample.descendants.reduce((sum, member) => sum + member.rssMb, 0);
}
