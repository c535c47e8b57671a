import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { BoundedLog } from './bounded-log';
import { receiverUrl } from './receiver-address';

export interface ReceivedLogLine {
  labels: Record<string, string>;
  timestampNs: bigint;
  line: string;
  /** The line parsed, when it is a JSON object or array. */
  json?: unknown;
  /** Loki's structured metadata (the optional third element of a value), when non-empty. */
  metadata?: Record<string, string>;
}

interface LokiPushReceiverOptions {
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Wait this long before every answer (a slow Loki). */
  delayMs?: number;
  /** Answer pushes with this HTTP status and keep nothing (a broken Loki). */
  failWithStatus?: number;
  /** Lines kept in memory; older ones are dropped (and counted) beyond this. Default 1_000_000. */
  maxLines?: number;
}

type LinesListener = (lines: ReceivedLogLine[]) => void;

const LOKI_PUSH_PATH = '/loki/api/v1/push';
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const WAIT_REPORT_LIMIT = 20;
const gunzipAsync = promisify(gunzip);

/** Input we can name the fault of: answered 400 with the message. */
class UnreadablePush extends Error {}

/**
 * A stand-in for Loki's push API (JSON format only), so the logging path can be tested and shown
 * without Docker. It is as strict as Loki about the body, so what it accepts Loki accepts too.
 */
export class LokiPushReceiver {
  /** Both may be changed at any time, e.g. to let a broken Loki recover mid-test. */
  delayMs: number;
  failWithStatus: number | undefined;

  private readonly server: http.Server;
  private readonly received: BoundedLog<ReceivedLogLine>;
  private readonly delayedAnswers = new Set<NodeJS.Timeout>();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly host: string,
    maxLines: number,
    options: LokiPushReceiverOptions,
  ) {
    this.delayMs = options.delayMs ?? 0;
    this.failWithStatus = options.failWithStatus;
    this.received = new BoundedLog(maxLines, describeLines);
    this.server = http.createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (response.headersSent) response.destroy();
        else response.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${error}\n`);
      });
    });
  }

  static async start(options: LokiPushReceiverOptions = {}): Promise<LokiPushReceiver> {
    const maxLines = options.maxLines ?? 1_000_000;
    const receiver = new LokiPushReceiver(options.host ?? '127.0.0.1', maxLines, options);
    await new Promise<void>((resolve, reject) => {
      receiver.server.once('error', reject);
      receiver.server.listen(options.port ?? 0, receiver.host, () => {
        receiver.server.off('error', reject);
        resolve();
      });
    });
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** What to give a Loki client as its host; the push path goes after it. */
  get endpoint(): string {
    return receiverUrl(this.host, this.port);
  }

  /** Lines dropped because more than maxLines were kept. */
  get dropped(): number {
    return this.received.dropped;
  }

  /** A copy of every kept line, oldest first. */
  lines(): ReceivedLogLine[] {
    return this.received.items();
  }

  clear(): void {
    this.received.clear();
  }

  /** Calls listener with the lines of each accepted push; returns the unsubscribe. */
  onLines(listener: LinesListener): () => void {
    return this.received.subscribe(listener);
  }

  /** Resolves with all kept lines once predicate holds; rejects after timeoutMs showing what came. */
  waitFor(predicate: (all: ReceivedLogLine[]) => boolean, timeoutMs = 5000): Promise<ReceivedLogLine[]> {
    return this.received.waitFor(predicate, timeoutMs);
  }

  /** Stops listening and cuts open connections, including answers still being delayed. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const timer of this.delayedAnswers) clearTimeout(timer);
      this.delayedAnswers.clear();
      this.server.close(() => resolve());
      // Clients keep connections alive (Node's default agent does); close() alone would wait on them.
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const { pathname } = new URL(request.url ?? '/', 'http://loki');
    if (pathname === '/ready' && request.method === 'GET') return this.answer(response, 200, 'ready');
    if (pathname !== LOKI_PUSH_PATH) return this.answer(response, 404, `not found: ${pathname}`);
    if (request.method !== 'POST') return this.answer(response, 405, `${LOKI_PUSH_PATH} takes POST`);

    const body = await readBody(request);
    if (body === undefined) return this.answer(response, 413, `push body larger than ${MAX_BODY_BYTES} bytes`);
    if (this.failWithStatus !== undefined) {
      return this.answer(response, this.failWithStatus, `LokiPushReceiver was told to fail with status ${this.failWithStatus}`);
    }
    let lines: ReceivedLogLine[];
    try {
      lines = parsePush(await decodeBody(body, request.headers));
    } catch (error) {
      if (error instanceof UnreadablePush) return this.answer(response, 400, error.message);
      throw error;
    }
    this.answer(response, 204);
    this.received.append(lines);
  }

  private answer(response: http.ServerResponse, status: number, text?: string): void {
    const send = (): void => {
      if (text === undefined) response.writeHead(status).end();
      else response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${text}\n`);
    };
    if (this.delayMs <= 0) return send();
    const timer = setTimeout(() => {
      this.delayedAnswers.delete(timer);
      send();
    }, this.delayMs);
    this.delayedAnswers.add(timer);
  }
}

function describeLines(all: readonly ReceivedLogLine[], dropped: number): string {
  const shown = all.slice(-WAIT_REPORT_LIMIT).map((entry) => `  ${JSON.stringify(entry.labels)} ${entry.line}`);
  const older = all.length > WAIT_REPORT_LIMIT ? [`  … and ${all.length - WAIT_REPORT_LIMIT} older lines`] : [];
  return [`received ${all.length} log lines (${dropped} dropped)${all.length ? ':' : ''}`, ...older, ...shown].join('\n');
}

/** The whole body, or undefined when it is larger than MAX_BODY_BYTES (then read and discarded). */
async function readBody(request: http.IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  return size <= MAX_BODY_BYTES ? Buffer.concat(chunks) : undefined;
}

async function decodeBody(body: Buffer, headers: http.IncomingHttpHeaders): Promise<string> {
  const contentType = headers['content-type'] ?? '';
  if (contentType.includes('protobuf')) {
    throw new UnreadablePush(
      `Content-Type ${contentType} is not supported: only the JSON push format (application/json) is, not protobuf/snappy`,
    );
  }
  const encoding = (headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity') return body.toString('utf8');
  if (encoding !== 'gzip') throw new UnreadablePush(`Content-Encoding ${encoding} is not supported: send gzip or no encoding`);
  try {
    return (await gunzipAsync(body)).toString('utf8');
  } catch (error) {
    throw new UnreadablePush(`body says Content-Encoding gzip but does not gunzip: ${(error as Error).message}`);
  }
}

const VALUE_SHAPE = '["<unix epoch nanoseconds as a string>", "<line>", {optional structured metadata}]';

function parsePush(text: string): ReceivedLogLine[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new UnreadablePush(
      `body is not JSON (${(error as Error).message}); only the JSON push format is supported, not protobuf/snappy`,
    );
  }
  if (!isRecord(body) || !Array.isArray(body.streams)) throw new UnreadablePush('body must be {"streams": [...]}');
  const lines: ReceivedLogLine[] = [];
  body.streams.forEach((stream: unknown, i: number) => {
    const where = `streams[${i}]`;
    if (!isRecord(stream) || !Array.isArray(stream.values)) {
      throw new UnreadablePush(`${where} must be {"stream": {labels}, "values": [${VALUE_SHAPE}, ...]}`);
    }
    const labels = stringRecord(stream.stream, `${where}.stream`);
    if (Object.keys(labels).length === 0) throw new UnreadablePush(`${where}.stream: at least one label is required (as in Loki)`);
    stream.values.forEach((value: unknown, j: number) => {
      const at = `${where}.values[${j}]`;
      if (!Array.isArray(value) || typeof value[0] !== 'string' || !/^\d+$/.test(value[0]) || typeof value[1] !== 'string') {
        throw new UnreadablePush(`${at} must be ${VALUE_SHAPE}`);
      }
      const line: ReceivedLogLine = { labels, timestampNs: BigInt(value[0]), line: value[1] };
      const json = parseJsonLine(value[1]);
      if (json !== undefined) line.json = json;
      if (value[2] !== undefined) {
        const metadata = stringRecord(value[2], `${at}[2]`);
        if (Object.keys(metadata).length > 0) line.metadata = metadata;
      }
      lines.push(line);
    });
  });
  return lines;
}

// Only objects and arrays count: a line "42" or "true" is text that happens to parse.
function parseJsonLine(line: string): unknown {
  const first = line.trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

// Loki rejects non-string label and metadata values, so we do too rather than hide a client bug.
function stringRecord(value: unknown, where: string): Record<string, string> {
  if (!isRecord(value)) throw new UnreadablePush(`${where} must be an object of string values`);
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw new UnreadablePush(`${where}.${key} must be a string, got ${JSON.stringify(item)}`);
  }
  return value as Record<string, string>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
