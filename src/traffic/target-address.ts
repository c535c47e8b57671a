/**
 * Where to send requests, as users type it: `HOST:PORT`, a bare `PORT` (this machine), or with
 * an `http://` prefix copied from a URL (`https://` means TLS). IPv6 hosts go in brackets.
 */
export interface TargetAddress {
  /** host:port as grpc-js wants it (IPv6 in brackets). */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

export class TargetAddressError extends Error {}

export function parseTargetAddress(text: string): TargetAddress {
  const input = text.trim();
  let rest = input;
  let tls = false;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(rest);
  if (scheme) {
    const name = scheme[1]!.toLowerCase();
    if (name !== 'http' && name !== 'https') throw new TargetAddressError(`"${input}": only http:// or https:// may prefix an address`);
    tls = name === 'https';
    rest = rest.slice(scheme[0].length).replace(/\/+$/, '');
  }
  if (rest.includes('/')) throw new TargetAddressError(`"${input}": expected HOST:PORT, without a path`);

  let host: string;
  let portText: string;
  if (/^\d+$/.test(rest)) {
    host = '127.0.0.1';
    portText = rest;
  } else if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0 || rest[close + 1] !== ':') throw new TargetAddressError(`"${input}": expected [IPv6]:PORT`);
    host = rest.slice(0, close + 1);
    portText = rest.slice(close + 2);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon <= 0 || rest.indexOf(':') !== colon) throw new TargetAddressError(`"${input}": expected HOST:PORT or a port number`);
    host = rest.slice(0, colon);
    portText = rest.slice(colon + 1);
  }
  const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new TargetAddressError(`"${input}": the port must be a number from 1 to 65535`);
  return { address: `${host}:${port}`, host, port, tls };
}
