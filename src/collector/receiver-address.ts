/** "host:port", an IPv6 host in brackets, as URLs and grpc-js addresses write it. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The http:// address a client on this machine gives to reach a receiver listening on host:port.
 * A client cannot connect to the wildcard address a server listens on, so that becomes loopback.
 */
export function receiverUrl(host: string, port: number): string {
  return `http://${hostPort(connectableHost(host), port)}`;
}

function connectableHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}
