import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { ConfigError } from './config-error';

/**
 * A config or topology file larger than this is refused. The biggest real behaviours are a few
 * hundred KB; more is a wrong path (a log, a disk image) and would only cost memory.
 */
const MAX_CONFIG_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Reads a behaviour, topology or behaviour_file as UTF-8 text: the one way config files are
 * read, so every reader refuses the same things the same way. Only a regular file is read:
 * /dev/zero never ends, a FIFO without a writer or a terminal never answers. O_NONBLOCK makes
 * the open itself return at once for a FIFO (a blocking open waits for a writer), and fstat on
 * the opened descriptor says what it really is. A byte order mark is left to the parsers (the
 * JSON one drops it, YAML's ignores it). Throws ConfigError(source, ...) whose line reads
 * `cannot read <what>: <reason>`; `what` defaults to the path.
 */
export function readConfigFile(path: string, source: string, what = path): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new ConfigError(source, [`cannot read ${what}: ${reasonOf(error)}`]);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new ConfigError(source, [`cannot read ${what}: ${describeNonFile(stat)}; give the path of a regular file`]);
    if (stat.size > MAX_CONFIG_FILE_BYTES) throw tooLarge(what, source);
    return readUpTo(fd, MAX_CONFIG_FILE_BYTES + 1, what, source).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** A file can grow between fstat and read (or report size 0, as /proc files do): the limit holds on what is read. */
function readUpTo(fd: number, limit: number, what: string, source: string): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.min(1024 * 1024, limit - total));
    let count: number;
    try {
      count = readSync(fd, chunk, 0, chunk.length, null);
    } catch (error) {
      throw new ConfigError(source, [`cannot read ${what}: ${reasonOf(error)}`]);
    }
    if (count === 0) return Buffer.concat(chunks, total);
    chunks.push(chunk.subarray(0, count));
    total += count;
    if (total >= limit) throw tooLarge(what, source);
  }
}

function tooLarge(what: string, source: string): ConfigError {
  return new ConfigError(source, [`cannot read ${what}: it is larger than ${MAX_CONFIG_FILE_BYTES / (1024 * 1024)} MiB, the limit for a config file`]);
}

function describeNonFile(stat: import('node:fs').Stats): string {
  if (stat.isDirectory()) return 'it is a directory';
  if (stat.isFIFO()) return 'it is a FIFO (named pipe), which may never end or never answer';
  if (stat.isCharacterDevice()) return 'it is a character device (such as /dev/zero or a terminal), which may never end';
  if (stat.isBlockDevice()) return 'it is a block device';
  if (stat.isSocket()) return 'it is a socket';
  return 'it is not a regular file';
}

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'ENXIO') return 'it is a socket or device that cannot be opened for reading';
  return (error as Error).message;
}
