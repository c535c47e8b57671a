// Static checks of the Dockerfile and .dockerignore (no Docker needed): two stages, only
// production dependencies and no build tools in the final one, non-root, health-checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { exists, readText } from './kit-files';

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions of a Dockerfile, continuation lines joined and comments dropped. */
function instructions(text: string): Instruction[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue; // a comment inside a continued instruction
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  if (pending) logical.push(pending);
  return logical.map((l) => {
    const [keyword, ...rest] = l.split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
  });
}

const all = instructions(readText('Dockerfile'));
const fromIndexes = all.flatMap((ins, i) => (ins.keyword === 'FROM' ? [i] : []));
const final = all.slice(fromIndexes.at(-1));
const finalOf = (keyword: string) => final.filter((i) => i.keyword === keyword);

test('the build is multi-stage and the final stage copies the compiled output from the build stage', () => {
  assert.ok(fromIndexes.length >= 2, 'fewer than two FROM');
  const buildStage = all[fromIndexes[0]].args.match(/\bAS\s+(\S+)/i)?.[1];
  assert.ok(buildStage, 'the first stage has no name');
  const copies = finalOf('COPY').map((c) => c.args);
  assert.ok(
    copies.some((c) => c.includes(`--from=${buildStage}`) && /\bdist\b/.test(c)),
    'the final stage does not copy dist/ from the build stage',
  );
  for (const needed of ['proto', 'example_configs']) {
    assert.ok(copies.some((c) => c.split(/\s+/).includes(needed)), `the final stage lacks ${needed}/`);
  }
  const buildRuns = all.slice(fromIndexes[0], fromIndexes[1]).filter((i) => i.keyword === 'RUN');
  assert.ok(buildRuns.some((r) => r.args.includes('npm ci')), 'the build stage does not npm ci');
  assert.ok(buildRuns.some((r) => r.args.includes('npm run build')), 'the build stage does not build');
});

test('the final stage installs production dependencies only, and no build tools', () => {
  const runs = finalOf('RUN').map((r) => r.args);
  const installs = runs.filter((r) => /\bnpm (ci|install|i)\b/.test(r));
  assert.ok(installs.length > 0, 'the final stage installs no dependencies');
  for (const install of installs) assert.match(install, /--omit=dev/, `${install} keeps dev dependencies`);
  for (const run of runs) {
    assert.doesNotMatch(run, /\b(build-essential|gcc|g\+\+|make|python3?|node-gyp)\b/, `build tool in: ${run}`);
  }
});

test('it runs as a non-root user', () => {
  const users = finalOf('USER');
  assert.ok(users.length > 0, 'no USER in the final stage');
  const user = users.at(-1)!.args.split(':')[0];
  assert.ok(!['root', '0'].includes(user), `runs as ${user}`);
});

test('it exposes 6379 and health-checks through `thespian health`', () => {
  assert.ok(finalOf('EXPOSE').some((e) => e.args.split(/\s+/).includes('6379')), 'no EXPOSE 6379');
  const checks = finalOf('HEALTHCHECK');
  assert.equal(checks.length, 1, 'exactly one HEALTHCHECK');
  assert.match(checks[0].args, /\bCMD\b.*\bnode\b.*dist\/cli\/main\.js"?\s*,?\s*"?health\b/);
});

test('it starts `node dist/cli/main.js serve` by default', () => {
  const entrypoint = JSON.parse(finalOf('ENTRYPOINT').at(-1)!.args) as string[];
  const cmd = JSON.parse(finalOf('CMD').at(-1)!.args) as string[];
  assert.deepEqual([...entrypoint, ...cmd], ['node', 'dist/cli/main.js', 'serve']);
});

test('the NODE_OPTIONS it sets start node: a flag node refused would stop every container at start', () => {
  const env = finalOf('ENV').map((i) => i.args).join(' ');
  const options = /\bNODE_OPTIONS="([^"]*)"/.exec(env)?.[1];
  assert.ok(options, `the final stage sets NODE_OPTIONS (ENV: ${env})`);
  const run = spawnSync(process.execPath, ['-e', 'process.stdout.write(JSON.stringify(process.execArgv))'], { env: { ...process.env, NODE_OPTIONS: options }, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(options, /--max-semi-space-size=\d+/, 'it caps the young generation (see the comment in the Dockerfile)');
});

test('it carries OCI labels', () => {
  const labels = finalOf('LABEL').map((l) => l.args).join(' ');
  for (const key of ['title', 'description', 'licenses', 'version', 'revision']) {
    assert.ok(labels.includes(`org.opencontainers.image.${key}=`), `no org.opencontainers.image.${key}`);
  }
});

test('.dockerignore keeps local state out and does not hide what the build needs', () => {
  assert.ok(exists('.dockerignore'));
  const patterns = readText('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.replace(/^\//, '').replace(/\/$/, ''));
  for (const excluded of ['node_modules', '.git', 'dist']) {
    assert.ok(patterns.includes(excluded), `.dockerignore does not exclude ${excluded}`);
  }
  for (const needed of ['src', 'proto', 'example_configs', 'package.json', 'package-lock.json', 'tsconfig.json']) {
    assert.ok(!patterns.includes(needed), `.dockerignore hides ${needed}, which the build needs`);
  }
});
