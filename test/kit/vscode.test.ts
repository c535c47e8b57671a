// The .vscode files parse as VS Code reads them (JSON with comments) and point at things that
// exist: programs (or the sources of build outputs), configs, npm tasks, and the schema mapping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exists, npmScripts, readJsonc, type Loose } from './kit-files';

const launch = readJsonc('.vscode/launch.json');
const configurations: Loose[] = launch.configurations;

/** A launch path with ${workspaceFolder} as a repository-relative path, or undefined if outside. */
function inWorkspace(path: string): string | undefined {
  const prefix = '${workspaceFolder}/';
  return path.startsWith(prefix) ? path.slice(prefix.length) : undefined;
}

/** True when the file exists, or is a build output whose TypeScript source exists. */
function existsOrIsBuilt(relative: string): boolean {
  if (exists(relative)) return true;
  const built = /^dist\/(.+)\.js$/.exec(relative);
  return built !== null && exists(`src/${built[1]}.ts`);
}

/** VS Code-style glob match ('**' any path, '*' within a segment) against a /-rooted path. */
function globMatches(pattern: string, path: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*\*\//g, '\u0000')
    .replace(/\*/g, '[^/]*')
    .replace(/\u0000/g, '(?:.*/)?');
  return new RegExp(`^${regex}$`).test(path);
}

function schemaApplies(fileMatch: string[], path: string): boolean {
  const include = fileMatch.filter((p) => !p.startsWith('!'));
  const exclude = fileMatch.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  return include.some((p) => globMatches(p, path)) && !exclude.some((p) => globMatches(p, path));
}

test('launch.json parses and every configuration is a node launch with a unique name', () => {
  assert.equal(launch.version, '0.2.0');
  assert.ok(configurations.length >= 3);
  const names = configurations.map((c) => c.name);
  assert.equal(new Set(names).size, names.length, 'duplicate configuration names');
  for (const config of configurations) {
    assert.equal(config.type, 'node', `${config.name}`);
    assert.equal(config.request, 'launch', `${config.name}`);
  }
});

test('every program, cwd and CONFIG_FILE points at a file that exists (or a build of one)', () => {
  for (const config of configurations) {
    const program = inWorkspace(config.program);
    assert.ok(program, `${config.name}: program must be under \${workspaceFolder}`);
    assert.ok(existsOrIsBuilt(program), `${config.name}: ${program} does not exist`);
    if (config.cwd) assert.equal(config.cwd, '${workspaceFolder}');
    const configFile = config.env?.CONFIG_FILE;
    if (configFile) {
      const path = inWorkspace(configFile);
      assert.ok(path && exists(path), `${config.name}: CONFIG_FILE ${configFile} does not exist`);
    }
  }
});

test('each bundled example (standalone, call_service) has an instance configuration', () => {
  for (const example of ['standalone', 'call_service']) {
    const config = configurations.find((c) => c.env?.CONFIG_FILE?.endsWith(`example_configs/${example}.json`));
    assert.ok(config, `no configuration runs ${example}`);
    assert.equal(inWorkspace(config.program), 'dist/main.js');
    assert.ok(config.outFiles?.length, `${config.name}: no outFiles for source maps`);
  }
  const ports = configurations.filter((c) => c.env?.PORT).map((c) => c.env.PORT);
  assert.equal(new Set(ports).size, ports.length, 'two instances would share a port');
});

test('there is a configuration that debugs the tests through test/run.mjs', () => {
  assert.ok(configurations.some((c) => inWorkspace(c.program) === 'test/run.mjs'));
});

test('preLaunchTasks name npm scripts that exist', () => {
  const scripts = npmScripts();
  for (const config of configurations) {
    if (!config.preLaunchTask) continue;
    const script = /^npm: (\S+)$/.exec(config.preLaunchTask)?.[1];
    assert.ok(script, `${config.name}: ${config.preLaunchTask} is not an npm task`);
    assert.ok(scripts[script], `${config.name}: npm script ${script} does not exist`);
  }
});

test('settings.json maps the generated schema onto example configs (.json and .jsonc)', () => {
  const settings = readJsonc('.vscode/settings.json');
  const mapping = (settings['json.schemas'] as Loose[]).find(
    (s) => s.url === './example_configs/thespian.schema.json',
  );
  assert.ok(mapping, 'no json.schemas entry for ./example_configs/thespian.schema.json');
  for (const path of ['/example_configs/standalone.json', '/example_configs/more/x.jsonc']) {
    assert.ok(schemaApplies(mapping.fileMatch, path), `the schema does not apply to ${path}`);
  }
  assert.ok(!schemaApplies(mapping.fileMatch, '/example_configs/thespian.schema.json'));
  assert.ok(!schemaApplies(mapping.fileMatch, '/package.json'));
});

test('extensions.json parses and recommends extensions by publisher.name', () => {
  const { recommendations } = readJsonc('.vscode/extensions.json');
  assert.ok(Array.isArray(recommendations) && recommendations.length > 0);
  for (const id of recommendations) assert.match(id, /^[\w-]+\.[\w-]+$/);
});
