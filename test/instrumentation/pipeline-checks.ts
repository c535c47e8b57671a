// Static checks of an OpenTelemetry Collector configuration (ours in instrumentation/, and Jaeger 2's,
// which is one too), written as functions that return problems so that each test can also show
// them catching a broken copy. Not a test file itself (no .test.ts suffix).
import type { Loose } from '../kit/kit-files';

const SECTIONS = ['receivers', 'processors', 'exporters', 'connectors'] as const;
type Section = (typeof SECTIONS)[number];
const SIGNALS = ['traces', 'metrics', 'logs', 'profiles'];

/** "traces/jaeger" -> "traces"; component ids are "type[/name]" in the same way. */
export function typeOf(id: string): string {
  return id.split('/')[0];
}

function defined(config: Loose, section: Section): Set<string> {
  return new Set(Object.keys(config?.[section] ?? {}));
}

function pipelines(config: Loose): Array<[string, Loose]> {
  return Object.entries(config?.service?.pipelines ?? {});
}

/**
 * Every pipeline has a signal type, at least one receiver and one exporter, and names only
 * components the file defines (a connector counts as both an exporter and a receiver).
 */
export function undefinedComponents(config: Loose): string[] {
  const problems: string[] = [];
  const connectors = defined(config, 'connectors');
  if (pipelines(config).length === 0) problems.push('service.pipelines: no pipeline');
  for (const [name, pipeline] of pipelines(config)) {
    if (!SIGNALS.includes(typeOf(name))) problems.push(`service.pipelines.${name}: not a signal (${SIGNALS.join(', ')})`);
    for (const section of ['receivers', 'processors', 'exporters'] as const) {
      const ids: string[] = pipeline?.[section] ?? [];
      if (section !== 'processors' && ids.length === 0) problems.push(`service.pipelines.${name}.${section}: empty`);
      const known = defined(config, section);
      for (const id of ids) {
        const isConnector = section !== 'processors' && connectors.has(id);
        if (!known.has(id) && !isConnector) problems.push(`service.pipelines.${name}.${section}: ${id} is not defined under ${section}`);
      }
    }
  }
  return problems;
}

/** Every receiver, processor, exporter and connector defined is used by a pipeline; every extension is started. */
export function unusedComponents(config: Loose): string[] {
  const problems: string[] = [];
  const used = new Set<string>();
  for (const [, pipeline] of pipelines(config)) {
    for (const section of ['receivers', 'processors', 'exporters'] as const) {
      for (const id of pipeline?.[section] ?? []) used.add(`${section}:${id}`);
    }
  }
  for (const section of SECTIONS) {
    for (const id of defined(config, section)) {
      // A connector joins pipelines: it is used as an exporter of one or a receiver of another.
      const isUsed = section === 'connectors' ? used.has(`exporters:${id}`) || used.has(`receivers:${id}`) : used.has(`${section}:${id}`);
      if (!isUsed) problems.push(`${section}.${id}: defined but no pipeline uses it`);
    }
  }
  const started: string[] = config?.service?.extensions ?? [];
  for (const id of Object.keys(config?.extensions ?? {})) {
    if (!started.includes(id)) problems.push(`extensions.${id}: defined but not in service.extensions`);
  }
  for (const id of started) {
    if (!(id in (config?.extensions ?? {}))) problems.push(`service.extensions: ${id} is not defined under extensions`);
  }
  return problems;
}

/** memory_limiter first and batch after it, in every pipeline that has processors (the collector's README advice). */
export function processorOrder(config: Loose): string[] {
  const problems: string[] = [];
  for (const [name, pipeline] of pipelines(config)) {
    const processors: string[] = (pipeline?.processors ?? []).map(typeOf);
    if (processors[0] !== 'memory_limiter') problems.push(`service.pipelines.${name}.processors: memory_limiter must come first (got ${processors.join(', ') || 'none'})`);
    // With memory_limiter first, any batch is after it.
    if (!processors.includes('batch')) problems.push(`service.pipelines.${name}.processors: no batch`);
  }
  return problems;
}

/** Host and port of "host:port", "http://host:port/path" or ":port". */
export function hostAndPort(endpoint: string): { host: string; port: string } {
  const url = /^[a-z]+:\/\//.test(endpoint) ? new URL(endpoint) : new URL(`tcp://${endpoint}`);
  return { host: url.hostname, port: url.port };
}

/** Where each exporter sends: exporter id -> its endpoint (or traces_/metrics_/logs_endpoint). */
export function exporterEndpoints(config: Loose): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  for (const [id, settings] of Object.entries<Loose>(config?.exporters ?? {})) {
    for (const key of ['endpoint', 'traces_endpoint', 'metrics_endpoint', 'logs_endpoint']) {
      if (typeof settings?.[key] === 'string') found.push([`exporters.${id}.${key}`, settings[key]]);
    }
  }
  return found;
}

/** Each endpoint whose host is not one of `services` (the compose file's), one line each. */
export function unknownHosts(endpoints: Array<[string, string]>, services: readonly string[]): string[] {
  return endpoints
    .filter(([, endpoint]) => !services.includes(hostAndPort(endpoint).host))
    .map(([where, endpoint]) => `${where}: ${endpoint} is not a service of the compose file (${services.join(', ')})`);
}
