import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PACKAGE_ROOT } from '../config';

/** The local observability stack the compose files run; the Kubernetes demo runs the same one. */
const STACK_DIR = join(PACKAGE_ROOT, 'instrumentation');
const STACK_COMPOSE = 'docker-compose.yaml';

interface ComposeService {
  readonly image?: unknown;
  readonly command?: unknown;
  readonly environment?: unknown;
}

/**
 * Reads images, commands and config files from instrumentation/, so that the Kubernetes collector
 * and demo pin exactly the versions (and run exactly the configs) the compose stack was checked
 * with: one place to bump them, and no hand-made copy to drift.
 */
export class InstrumentationStack {
  private readonly services: Record<string, ComposeService>;

  constructor(private readonly dir: string = STACK_DIR) {
    this.services = (parse(this.file(STACK_COMPOSE)) as { services?: Record<string, ComposeService> })?.services ?? {};
  }

  /** The pinned image of one compose service, e.g. "otel/opentelemetry-collector-contrib:0.159.0". */
  image(service: string): string {
    const image = this.services[service]?.image;
    if (typeof image !== 'string') throw new Error(`${join(this.dir, STACK_COMPOSE)}: no image for service ${service}`);
    return image;
  }

  /** A compose service's command (its arguments: every image here has its binary as entrypoint); [] for the image's default. */
  command(service: string): string[] {
    const command = this.services[service]?.command;
    if (command === undefined) return [];
    if (!Array.isArray(command) || !command.every((part) => typeof part === 'string')) {
      throw new Error(`${join(this.dir, STACK_COMPOSE)}: service ${service} has no command list`);
    }
    return command;
  }

  /** A compose service's environment, in the map form instrumentation/docker-compose.yaml uses. */
  environment(service: string): Record<string, string> {
    const environment = this.services[service]?.environment;
    if (environment === undefined) return {};
    if (typeof environment !== 'object' || environment === null || Array.isArray(environment)) {
      throw new Error(`${join(this.dir, STACK_COMPOSE)}: service ${service}'s environment is not a map`);
    }
    return Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, String(value)]));
  }

  /** The text of a file under instrumentation/ (a path relative to it). */
  file(path: string): string {
    const full = join(this.dir, path);
    // The image ships instrumentation/ too; a missing folder is an incomplete install.
    if (!existsSync(full)) throw new Error(`${full} is missing: render k8s reads the observability stack's files from the package's instrumentation/ folder`);
    return readFileSync(full, 'utf8');
  }
}
