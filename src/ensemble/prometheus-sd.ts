import { renameSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../config';
import type { Topology } from '../topology';
import { freePorts } from './free-ports';

/**
 * `thespian up --prometheus-sd FILE`: every service also serves Prometheus's /metrics on a port
 * of its own (127.0.0.1), and FILE lists them in Prometheus's file_sd format, one target group per
 * service labelled `service` (and `thespian_topology`), so a real Prometheus with
 * `file_sd_configs` scrapes a whole up session. The file is always replaced whole (written beside
 * it, then renamed), so Prometheus, which reloads it when it changes, never reads half a file;
 * at the end it is emptied (`[]`) rather than removed, so that Prometheus drops the targets
 * without logging a missing file, and its config need not change between runs.
 */
export class PrometheusSdFile {
  private constructor(
    readonly path: string,
    private readonly topology: Topology,
    /** The scrape port of each service, by name. */
    readonly ports: ReadonlyMap<string, number>,
  ) {}

  /** Chooses the scrape ports and writes an empty list, so a path that cannot be written is refused (exit 2) before anything runs. */
  static async open(path: string, topology: Topology): Promise<PrometheusSdFile> {
    const ports = await freePorts(topology.services.length, topology.services.map((service) => service.port));
    const file = new PrometheusSdFile(path, topology, new Map(topology.services.map((service, index) => [service.name, ports[index]])));
    try {
      file.write([]);
    } catch (error) {
      throw new ConfigError(`--prometheus-sd ${path}`, [`cannot write the file: ${(error as Error).message}`]);
    }
    return file;
  }

  /** For the header: where the targets are, and each service's. */
  describe(): string {
    const targets = this.topology.services.map((service) => `${service.name} 127.0.0.1:${this.ports.get(service.name)}`).join(', ');
    return `prometheus: scrape targets in ${this.path} (file_sd; emptied at the end): ${targets}`;
  }

  /** Once the services serve: one target group per service. */
  writeTargets(): void {
    this.write(
      this.topology.services.map((service) => ({
        targets: [`127.0.0.1:${this.ports.get(service.name)}`],
        labels: { service: service.name, thespian_topology: this.topology.name },
      })),
    );
  }

  /** At the end: no targets. A failure here costs nothing but a stale file, so it is not thrown. */
  empty(): void {
    try {
      this.write([]);
    } catch {
      // The run is over; its report matters more than the file.
    }
  }

  private write(groups: readonly object[]): void {
    const partial = `${this.path}.${process.pid}.tmp`;
    writeFileSync(partial, `${JSON.stringify(groups, null, 2)}\n`);
    renameSync(partial, this.path);
  }
}

/**
 * A service's environment with a Prometheus scrape endpoint added to whatever metrics export it
 * already has (OTEL_METRICS_EXPORTER is a list), on 127.0.0.1 at `port`; unchanged without a port.
 */
export function withPrometheusScrape(env: Record<string, string>, port: number | undefined): Record<string, string> {
  if (port === undefined) return env;
  const exporters = (env.OTEL_METRICS_EXPORTER ?? '').split(',').map((name) => name.trim()).filter((name) => name !== '' && name !== 'none' && name !== 'prometheus');
  return {
    ...env,
    OTEL_METRICS_EXPORTER: [...exporters, 'prometheus'].join(','),
    OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
    OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
  };
}
