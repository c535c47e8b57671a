import * as http from 'node:http';
import * as https from 'node:https';
import type { Duplex } from 'node:stream';

interface ResponseLimits {
  /** Bytes read from one connection (headers and body) before it is cut. */
  readonly maxResponseBytes: number;
  /** Time one push may take, from opening the connection to the end of the answer. */
  readonly maxPushMs: number;
}

/**
 * HTTP agents for winston-loki that cut a push whose answer is too long or never ends.
 *
 * winston-loki 6.1.7 collects Loki's response body into a string with no limit, and its `timeout`
 * is only an idle timeout, so an endless body crashes the process (`RangeError: Invalid string
 * length`) and a trickling one holds the push forever. We give it these agents through its own
 * `httpAgent`/`httpsAgent` options rather than replacing its sender: that is a documented option,
 * it stays per transport (no process-wide patch of a private module), and it limits the bytes at
 * the socket, before they reach winston-loki. Destroying the socket with an error makes Node's
 * request emit 'error' even mid-body, so winston-loki's push promise rejects and its loop goes on.
 *
 * No keep-alive: one connection per push, so the byte count and the deadline are per push.
 */
export function cappedResponseAgents(limits: ResponseLimits): { httpAgent: http.Agent; httpsAgent: https.Agent } {
  return { httpAgent: new CappedHttpAgent(limits), httpsAgent: new CappedHttpsAgent(limits) };
}

class CappedHttpAgent extends http.Agent {
  constructor(private readonly limits: ResponseLimits) {
    super({ keepAlive: false });
  }

  override createConnection(options: object, callback?: (error: Error | null, socket: Duplex) => void): Duplex {
    const create = http.Agent.prototype.createConnection as (this: http.Agent, ...args: unknown[]) => Duplex;
    return capConnection(create.call(this, options, callback), this.limits);
  }
}

class CappedHttpsAgent extends https.Agent {
  constructor(private readonly limits: ResponseLimits) {
    super({ keepAlive: false });
  }

  override createConnection(options: object, callback?: (error: Error | null, socket: Duplex) => void): Duplex {
    const create = https.Agent.prototype.createConnection as (this: https.Agent, ...args: unknown[]) => Duplex;
    return capConnection(create.call(this, options, callback), this.limits);
  }
}

function capConnection(socket: Duplex, { maxResponseBytes, maxPushMs }: ResponseLimits): Duplex {
  let bytesRead = 0;
  const deadline = setTimeout(() => {
    socket.destroy(new Error(`no complete answer within ${maxPushMs} ms; connection closed`));
  }, maxPushMs);
  deadline.unref();
  socket.on('data', (chunk: Buffer) => {
    bytesRead += chunk.length;
    if (bytesRead > maxResponseBytes) {
      socket.destroy(new Error(`answer longer than ${maxResponseBytes} bytes; connection closed`));
    }
  });
  socket.once('close', () => clearTimeout(deadline));
  return socket;
}
