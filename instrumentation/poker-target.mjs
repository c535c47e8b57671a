// Prints HOST:PORT of the entry service of a rendered compose file, for `just up`'s poker.
//
//   node instrumentation/poker-target.mjs deploy/compose/docker-compose.yaml   # -> checkout:6379
//
// The entry service is the one no other service depends on: `thespian render compose` makes each
// caller depend on the services it calls, so the root of that graph is where traffic starts.
// When several services qualify, the one with the most dependencies wins (it fronts the most of
// the system), then the first by name, so the answer is stable. A service may also say so itself
// with the label `thespian.entry: "true"`. The port is the service's PORT variable (default 6379),
// which is what the instance listens on inside the network.
//
// Plain Node and the `yaml` devDependency only: it runs on the host, before any image exists.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';

const DEFAULT_PORT = '6379';

/** Names of the services a compose service depends on (list or map form). */
function dependenciesOf(service) {
  const deps = service?.depends_on;
  if (Array.isArray(deps)) return deps.map(String);
  if (deps && typeof deps === 'object') return Object.keys(deps);
  return [];
}

/** A service's environment variable (map or KEY=VALUE list form), or undefined. */
function envOf(service, key) {
  const env = service?.environment;
  if (Array.isArray(env)) {
    const entry = env.map(String).find((e) => e === key || e.startsWith(`${key}=`));
    return entry?.includes('=') ? entry.slice(key.length + 1) : undefined;
  }
  if (env && typeof env === 'object' && env[key] != null) return String(env[key]);
  return undefined;
}

function labelOf(service, key) {
  const labels = service?.labels;
  if (Array.isArray(labels)) {
    const entry = labels.map(String).find((l) => l.startsWith(`${key}=`));
    return entry?.slice(key.length + 1);
  }
  if (labels && typeof labels === 'object' && labels[key] != null) return String(labels[key]);
  return undefined;
}

/**
 * The entry service's "name:port" in a parsed compose document.
 * Throws with a readable message when there is no service to choose.
 */
export function pokerTarget(compose) {
  const services = compose?.services;
  if (!services || typeof services !== 'object' || Object.keys(services).length === 0) {
    throw new Error('the compose file has no services');
  }
  const names = Object.keys(services).sort();
  const marked = names.filter((n) => labelOf(services[n], 'thespian.entry') === 'true');
  let entry;
  if (marked.length > 0) {
    entry = marked[0];
  } else {
    const dependedOn = new Set(names.flatMap((n) => dependenciesOf(services[n])));
    const roots = names.filter((n) => !dependedOn.has(n));
    // A cycle leaves no root; fall back to every service rather than failing.
    const candidates = roots.length > 0 ? roots : names;
    entry = [...candidates].sort(
      (a, b) =>
        dependenciesOf(services[b]).length - dependenciesOf(services[a]).length ||
        a.localeCompare(b),
    )[0];
  }
  const port = envOf(services[entry], 'PORT') ?? DEFAULT_PORT;
  return `${entry}:${port}`;
}

function main(argv) {
  const file = argv[0];
  if (!file) {
    console.error('usage: node instrumentation/poker-target.mjs COMPOSE_FILE');
    return 2;
  }
  try {
    console.log(pokerTarget(parse(readFileSync(file, 'utf8'))));
    return 0;
  } catch (err) {
    console.error(`poker-target: ${file}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
