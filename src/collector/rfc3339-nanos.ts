/** 1700000000123456789n → "2023-11-14T22:13:20.123456789Z". */
export function rfc3339Nanos(unixNanos: bigint): string {
  const seconds = unixNanos / 1_000_000_000n;
  const nanos = unixNanos % 1_000_000_000n;
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${base}.${nanos.toString().padStart(9, '0')}Z`;
}
