// Shared by the render tests: small topologies, rendering them, and reading the output back the
// way docker compose, kubectl and CloudFormation would (parsed YAML/JSON, not string matching).
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { parseTopology, BUNDLED_TOPOLOGY_PATH, loadTopology, type Topology } from '../../src/topology';
import { renderTopology, type RenderOptions, type RenderTarget, type RenderOutput } from '../../src/render';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

export const TARGETS: readonly RenderTarget[] = ['compose', 'k8s', 'ecs'];

export function bundled(): Topology {
  return loadTopology(BUNDLED_TOPOLOGY_PATH);
}

export function topologyFrom(data: object, source = 'test-topology.jsonc'): Topology {
  return parseTopology(JSON.stringify(data), source, 'json');
}

export function render(target: RenderTarget, topology: Topology = bundled(), options: RenderOptions = {}): RenderOutput {
  return renderTopology(target, topology, options);
}

/** Every document of a YAML text, failing on any parse error or warning. */
export function parseYamlDocuments(text: string, name: string): Loose[] {
  const documents = parseAllDocuments(text, { prettyErrors: true });
  assert.ok(Array.isArray(documents), `${name}: not a YAML stream`);
  return documents.map((document, index) => {
    const problems = [...document.errors, ...document.warnings].map((e) => e.message);
    assert.deepEqual(problems, [], `${name}, document ${index + 1} does not parse cleanly`);
    return document.toJS({ maxAliasCount: 0 });
  });
}

/** path → parsed content (a list of documents for YAML, one value for JSON). */
export function parseFiles(output: RenderOutput): Map<string, Loose> {
  const parsed = new Map<string, Loose>();
  for (const file of output.files) {
    if (file.path.endsWith('.json')) parsed.set(file.path, JSON.parse(file.content));
    else if (/\.ya?ml$/.test(file.path)) parsed.set(file.path, parseYamlDocuments(file.content, file.path));
    else assert.fail(`unexpected file type: ${file.path}`);
  }
  return parsed;
}

/** The kubernetes-models class for each kind we render; an unknown kind fails rather than skipping validation. */
export async function modelFor(apiVersion: string, kind: string): Promise<{ new (data: Loose): { validate(): void } }> {
  const modules: Record<string, () => Promise<Loose>> = {
    'v1/Namespace': () => import('kubernetes-models/v1/Namespace'),
    'v1/ConfigMap': () => import('kubernetes-models/v1/ConfigMap'),
    'v1/Service': () => import('kubernetes-models/v1/Service'),
    'apps/v1/Deployment': () => import('kubernetes-models/apps/v1/Deployment'),
  };
  const load = modules[`${apiVersion}/${kind}`];
  assert.ok(load, `no schema loaded for ${apiVersion} ${kind}; add it to this test`);
  return (await load())[kind];
}

/** Every Kubernetes object of a k8s rendering, Kustomization excluded. */
/** A folder's kustomization (Kustomization or Component) in a k8s rendering, parsed. */
export function kustomizationAt(output: RenderOutput, dir: string): Loose {
  const path = dir === '' ? 'kustomization.yaml' : `${dir}/kustomization.yaml`;
  const documents = parseFiles(output).get(path);
  assert.ok(documents, `no ${path} in the rendering`);
  return documents[0];
}

/** "demo" + "../base" -> "base"; "" + "base" -> "base". Fails on a path that leaves the rendered folder. */
export function joinRendered(dir: string, entry: string): string {
  const parts = dir === '' ? [] : dir.split('/');
  for (const part of entry.split('/')) {
    if (part === '..') {
      assert.ok(parts.length > 0, `${entry} from ${dir || 'the top'} leaves the rendered folder`);
      parts.pop();
    } else if (part !== '.' && part !== '') parts.push(part);
  }
  return parts.join('/');
}

/**
 * The objects `kubectl apply -k DIR` would create, before patches: the resources of DIR's
 * kustomization and, recursively, of the folders and components it names, the way kustomize
 * walks them. Every entry must be a rendered file or a rendered folder with a kustomization.
 */
export function kustomizeResources(output: RenderOutput, dir: string): Loose[] {
  const parsed = parseFiles(output);
  const kustomization = kustomizationAt(output, dir);
  const entries = [...(kustomization.resources ?? []), ...(kustomization.components ?? [])];
  return entries.flatMap((entry: string) => {
    const path = joinRendered(dir, entry);
    if (parsed.has(path)) return parsed.get(path) as Loose[];
    assert.ok(parsed.has(path === '' ? 'kustomization.yaml' : `${path}/kustomization.yaml`), `${dir || '.'}/kustomization.yaml names ${entry}: no such rendered file or kustomization`);
    return kustomizeResources(output, path);
  });
}

/** The patches of DIR's kustomization and of the components it names: [the kustomization's folder, the parsed patch]. */
export function kustomizePatches(output: RenderOutput, dir: string): [string, Loose][] {
  const parsed = parseFiles(output);
  const kustomization = kustomizationAt(output, dir);
  const own: [string, Loose][] = (kustomization.patches ?? []).map((patch: Loose) => {
    const path = joinRendered(dir, patch.path);
    assert.ok(parsed.has(path), `${dir || '.'}/kustomization.yaml patches with ${patch.path}: no such rendered file`);
    return [dir, parsed.get(path)[0]];
  });
  const fromComponents = (kustomization.components ?? []).flatMap((entry: string) => kustomizePatches(output, joinRendered(dir, entry)));
  return [...fromComponents, ...own];
}

/** The ecosystem's own Kubernetes objects (base/: the thespians, their ConfigMaps, the traffic), without the collector or the demo. */
export function kubernetesObjects(output: RenderOutput): Loose[] {
  return kustomizeResources(output, 'base');
}

export function composeDocument(output: RenderOutput): Loose {
  const [document] = parseFiles(output).get('docker-compose.yaml');
  return document;
}

export function cloudFormation(output: RenderOutput): Loose {
  const [template] = parseFiles(output).get('cloudformation.yaml');
  return template;
}

/** CloudFormation's PascalCase container definition → the API's camelCase, to check both forms alike. */
export function lowerKeys(value: Loose, keep = false): Loose {
  if (Array.isArray(value)) return value.map((v) => lowerKeys(v));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [keep ? k : k[0].toLowerCase() + k.slice(1), lowerKeys(v, k === 'Options')]));
  }
  return value;
}

/** An ECS container definition's environment as name → value (a value may be a template Ref). */
export function ecsEnvironment(container: Loose): Record<string, Loose> {
  return Object.fromEntries((container.environment ?? []).map((e: Loose) => [e.name, e.value]));
}

/** A compose environment value, map or list form; "$$" is compose's escaped "$". */
export function composeEnv(service: Loose, key: string): string | undefined {
  const env = service.environment ?? {};
  const raw = Array.isArray(env) ? env.find((e: string) => e.startsWith(`${key}=`))?.slice(key.length + 1) : env[key];
  return raw === undefined ? undefined : String(raw).replaceAll('$$', '$');
}

/** Every CallService spec inside a behaviour, wherever it is nested. */
export function callSpecs(behaviour: unknown): Loose[] {
  const found: Loose[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'CallService' && value && typeof value === 'object') found.push(value);
        walk(value);
      }
    }
  };
  walk(behaviour);
  return found;
}

/** A topology exercising the awkward cases: a free-text name, a cycle, replicas, a "$", punctuation-twins. */
export const AWKWARD = {
  name: 'My Shop!! (EU) 2024',
  base_port: 9100,
  services: {
    gateway: {
      replicas: 3,
      behaviour: {
        grpc_method_a: {
          tracing_name: 'GET /price in $',
          operations: [
            { Action: { CallService: { service: 'a1', grpc_method: 'A' } } },
            { Action: { CallService: { service: 'a-1', grpc_method: 'B' } } },
          ],
        },
      },
    },
    a1: {
      behaviour: {
        grpc_method_a: { tracing_name: 'ping', operations: [{ Action: { CallService: { service: 'a-1', grpc_method: 'A' } } }] },
      },
    },
    'a-1': {
      behaviour: {
        grpc_method_a: { tracing_name: 'pong', operations: [{ Action: { CallService: { service: 'a1', grpc_method: 'B' } } }] },
        grpc_method_b: { tracing_name: 'rest', operations: [{ Action: { Sleep: { tracing_name: 'nap', duration_ms: 1 } } }] },
      },
    },
    'a-service-name-that-is-exactly-sixty-three-characters-long-xyz1': {
      behaviour: { grpc_method_a: { tracing_name: 'long', operations: [{ Action: { Sleep: { tracing_name: 'nap', duration_ms: 1 } } }] } },
    },
  },
  entry_points: [{ service: 'gateway', method: 'A', rps: 1 }],
};
