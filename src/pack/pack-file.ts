import { readFileSync } from 'node:fs';

/** THESPIAN_PACK_FILE's content: each service's own variables, over the process's environment. */
export interface PackFile {
  readonly services: readonly Readonly<Record<string, string>>[];
}

/** The most services one process takes: past this, one process would be slower than several. */
export const MAX_PACKED_SERVICES = 200;

/**
 * Reads the file `thespian up` writes for a process that runs several services. Every problem is
 * said on its own line, by its path in the file; a user starting a pack by hand (they can) gets
 * the same exit 2 as for any bad configuration.
 */
export function readPackFile(path: string): { pack?: PackFile; problems: string[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { problems: [`THESPIAN_PACK_FILE ${path}: cannot read it: ${(error as Error).message}`] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { problems: [`THESPIAN_PACK_FILE ${path}: not JSON: ${(error as Error).message}`] };
  }
  const services = (parsed as { services?: unknown } | null)?.services;
  if (!Array.isArray(services) || services.length === 0) {
    return { problems: [`THESPIAN_PACK_FILE ${path}: $.services: must be a list of at least one service's variables`] };
  }
  if (services.length > MAX_PACKED_SERVICES) {
    return { problems: [`THESPIAN_PACK_FILE ${path}: $.services: at most ${MAX_PACKED_SERVICES} services in one process (got ${services.length})`] };
  }
  const problems = services.flatMap((service, index) => variableProblems(service, `$.services[${index}]`).map((problem) => `THESPIAN_PACK_FILE ${path}: ${problem}`));
  return problems.length > 0 ? { problems } : { pack: { services: services as PackFile['services'] }, problems };
}

function variableProblems(service: unknown, path: string): string[] {
  if (typeof service !== 'object' || service === null || Array.isArray(service)) return [`${path}: must be an object of variable names and string values`];
  const problems = Object.entries(service)
    .filter(([, value]) => typeof value !== 'string')
    .map(([name]) => `${path}.${name}: must be a string`);
  if (typeof (service as Record<string, unknown>).SERVICE_NAME !== 'string') problems.push(`${path}.SERVICE_NAME: each packed service needs its name`);
  return problems;
}
