/**
 * A backend address as log lines may show it: with the user and password of a URL such as
 * `https://user:secret@loki.example.com` (winston-loki's way to basic auth) replaced by `***`,
 * since those lines go to stdout and to Loki itself. The rest stays, so a user still sees which
 * setting to check.
 */
export function addressForLogs(address: string): string {
  return address.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/?#]*@/i, '$1***@');
}
