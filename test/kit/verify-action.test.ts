// The composite action's verify step (action.yml), run for real: its script, taken from the
// file, under bash as GitHub runs a `shell: bash` step (-eo pipefail), with the inputs mapped into
// its env as the runner maps them. The "collector under test" and the backends are a second
// `thespian up`: its embedded OTLP receiver takes what the action's `up --otlp` forwards, and its
// query API answers in Tempo's and Loki's formats. Only the setup-node and npm ci steps are left
// out (this checkout is already built).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readText, root, type Loose } from './kit-files';
import { freePorts, startUp, tempDir, writeFrontAndBack, writeJson, type UpProcess } from '../up/up-helpers';

const action = parse(readText('action.yml')) as Loose;
const verifyStep = action.runs.steps.find((step: Loose) => step.id === 'verify');

interface ActionRun {
  status: number | null;
  output: string;
  outputs: Record<string, string>;
}

/** The step's env with `${{ inputs.NAME }}` replaced by the given input or the input's default. */
function stepEnv(inputs: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries<string>(verifyStep.env)) {
    env[key] = value.replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_, name: string) => {
      assert.ok(name in action.inputs, `the step reads input ${name}, which action.yml does not declare`);
      return inputs[name] ?? action.inputs[name].default ?? '';
    });
  }
  return env;
}

async function runVerifyStep(workspace: string, inputs: Record<string, string>): Promise<ActionRun> {
  const script = join(workspace, 'verify-step.sh');
  const outputFile = join(workspace, 'github-output');
  writeFileSync(script, verifyStep.run);
  writeFileSync(outputFile, '');
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_') && key !== 'LOKI_ADDRESS' && key !== 'CONFIG_JSON' && key !== 'CONFIG_FILE'),
  );
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
    cwd: workspace,
    env: { ...base, ...stepEnv(inputs), GITHUB_ACTION_PATH: root, GITHUB_OUTPUT: outputFile, RUNNER_TEMP: workspace },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const killer = setTimeout(() => child.kill('SIGKILL'), 240_000);
  const [status] = (await once(child, 'close')) as [number | null];
  clearTimeout(killer);
  const outputs: Record<string, string> = {};
  for (const line of readFileSync(outputFile, 'utf8').split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) outputs[line.slice(0, at)] = line.slice(at + 1);
  }
  return { status, output, outputs };
}

const backends: UpProcess[] = [];
after(async () => {
  for (const backend of backends) {
    if (backend.child.exitCode === null) backend.child.kill('SIGTERM');
    await backend.exited;
  }
});

/** A `thespian up` standing in for the user's collector and backends: its OTLP receiver and query API. */
async function startBackend(dir: string): Promise<{ collector: string; query: string }> {
  const [port, query] = await freePorts(2);
  const topology = writeJson(dir, 'backend.json', {
    services: { idle: { port, behaviour: { grpc_method_a: { tracing_name: 'idle', operations: [] } } } },
    entry_points: [{ service: 'idle', method: 'A', rps: 1 }],
  });
  const backend = startUp([topology, '--rps', '0.001', '--quiet', '--query-port', String(query)]);
  backends.push(backend);
  await backend.waitForOutput(/^ready:/m);
  const collector = /^collector: OTLP\/gRPC (http:\/\/\S+)/m.exec(backend.stdout())?.[1];
  assert.ok(collector, `no collector line in:\n${backend.stdout()}`);
  return { collector, query: `http://127.0.0.1:${query}` };
}

test('the action passes when everything reaches the backends, and writes its report and outputs', async () => {
  const workspace = tempDir();
  const { collector, query } = await startBackend(workspace);
  const topology = await writeFrontAndBack(workspace, 'shop.json', 1);
  const run = await runVerifyStep(workspace, {
    'collector-endpoint': collector,
    'tempo-url': query,
    'loki-url': query,
    topology,
    requests: '20',
    wait: '30',
    report: 'reports/verify.json',
  });
  assert.equal(run.status, 0, run.output);
  assert.equal(run.outputs.verdict, 'pass', run.output);
  assert.match(run.output, /PASS: nothing lost/);
  assert.equal(run.outputs.report, 'reports/verify.json');
  const report = JSON.parse(readFileSync(join(workspace, run.outputs.report), 'utf8'));
  assert.equal(report.loss.spans, 0);
  assert.equal(report.loss.logLines, 0);
  // up was stopped by the step, and its log holds the start and the final summary.
  const upLog = readFileSync(run.outputs['up-log'], 'utf8');
  assert.match(upLog, /^ready:/m);
  assert.match(upLog, /thespian up: stopped/);
});

test('the action says fail when the collector under test loses everything', async () => {
  const workspace = tempDir();
  const { query } = await startBackend(workspace);
  const [nobody] = await freePorts(1);
  const topology = await writeFrontAndBack(workspace, 'shop.json', 1);
  const run = await runVerifyStep(workspace, {
    'collector-endpoint': `http://127.0.0.1:${nobody}`,
    'tempo-url': query,
    topology,
    requests: '5',
    wait: '3',
  });
  // The step itself succeeds so that its outputs are set; the next step fails the job.
  assert.equal(run.status, 0, run.output);
  assert.equal(run.outputs.verdict, 'fail', run.output);
  assert.match(run.output, /FAIL: /);
  assert.ok(existsSync(join(workspace, 'thespian-verify.json')), 'the default report path is in the workspace');
});

test('the action stops with a clear error when neither tempo-url nor jaeger-url is given', async () => {
  const workspace = tempDir();
  const run = await runVerifyStep(workspace, { 'collector-endpoint': 'http://127.0.0.1:4317' });
  assert.equal(run.status, 0, run.output);
  assert.equal(run.outputs.verdict, 'error');
  assert.match(run.output, /::error title=Thespian verify::give tempo-url or jaeger-url/);
  assert.doesNotMatch(run.output, /^ready:/m, 'nothing was started');
});
