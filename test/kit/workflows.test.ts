// The GitHub workflows and the composite action: each parses, passes @action-validator/core (the
// SchemaStore schemas), calls only thespian subcommands and flags the built CLI lists, and names
// only files, npm scripts and recipes that exist; and the jobs have the shape issue 16 asks for.
// The checks are also run on broken copies, so that each is seen to catch what it is for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { actionFiles, cliCalls, problemsIn, runSteps, stepsOf, type CheckedFile } from './workflow-checks';
import { readText, readYaml, type Loose } from './kit-files';

const CI = '.github/workflows/ci.yml';
const E2E = '.github/workflows/e2e.yml';

test('every workflow and the action parse, pass action-validator, and name only what exists', () => {
  const files = actionFiles();
  const paths = files.map((file) => file.path);
  for (const expected of [CI, E2E, 'action.yml']) assert.ok(paths.includes(expected), `${expected} is missing`);
  for (const file of files) assert.deepEqual(problemsIn(file), [], `${file.path} has problems`);
});

/** The problems of a copy of `path` with `from` replaced by `to` (which must occur in it). */
function problemsWith(path: string, from: string, to: string): string[] {
  const text = readText(path);
  assert.ok(text.includes(from), `${path} no longer contains ${JSON.stringify(from)}: update this test`);
  const broken: CheckedFile = { path, text: text.replace(from, to) };
  return problemsIn(broken);
}

test('the checks catch a missing flag, subcommand, file, script, unpinned action and schema error', () => {
  const cases: Array<[string, string, string, RegExp]> = [
    [E2E, '--loki http', '--lokii http', /thespian verify --lokii: not a flag/],
    [E2E, 'main.js verify', 'main.js verfy', /thespian verfy: no such subcommand/],
    [E2E, '--topology example_configs/ecosystem.jsonc', '--topology example_configs/shop.jsonc', /example_configs\/shop\.jsonc: no such file/],
    [E2E, 'STACK: instrumentation/docker-compose.yaml', 'STACK: instrumentation/compose.yaml', /instrumentation\/compose\.yaml: no such file/],
    [E2E, '- instrumentation/**', '- instrumentations/**', /instrumentations\/\*\*: no such file or folder/],
    [CI, 'thespian:ci health 127', 'thespian:ci health --deadline 2s 127', /thespian health --deadline: not a flag/],
    [CI, 'run: npm test', 'run: npm run tests', /npm run tests: package.json has no such script/],
    [CI, 'actions/checkout@v6', 'actions/checkout@main', /uses actions\/checkout@main, not pinned/],
    [CI, 'runs-on: ubuntu-24.04', 'run-on: ubuntu-24.04', /action-validator: \/jobs\/test/],
    ['action.yml', 'args+=(--loki "$LOKI_URL")', 'args+=(--logs "$LOKI_URL")', /thespian verify --logs: not a flag/],
    ['action.yml', 'up "$TOPOLOGY" --otlp', 'up "$TOPOLOGY" --otlp-endpoint', /thespian up --otlp-endpoint: not a flag/],
    ['action.yml', 'using: composite', 'using: compost', /action-validator: \/runs/],
  ];
  for (const [path, from, to, expected] of cases) {
    const problems = problemsWith(path, from, to);
    assert.ok(problems.some((problem) => expected.test(problem)), `${path} with ${to}: expected ${expected}, got:\n${problems.join('\n')}`);
  }
  // An expression spliced into a script is refused: an input could inject a command.
  const spliced = problemsWith('action.yml', 'echo "report=$REPORT"', 'echo "report=${{ inputs.report }}"');
  assert.ok(spliced.some((problem) => /an expression inside the script/.test(problem)), spliced.join('\n'));
});

function job(tree: Loose, name: string): Loose {
  assert.ok(tree.jobs?.[name], `no job ${name}`);
  return tree.jobs[name];
}

/** The run scripts of one job, in order. */
function scriptsOf(tree: Loose, jobName: string): string[] {
  return runSteps({ jobs: { [jobName]: job(tree, jobName) } }).map((step) => step.run);
}

function indexOfScript(scripts: string[], pattern: RegExp): number {
  const at = scripts.findIndex((script) => pattern.test(script));
  assert.ok(at >= 0, `no step runs ${pattern}`);
  return at;
}

test('ci.yml: npm ci and npm test on Node 22 and 24 with a real Prometheus; read-only, one run per ref, time-limited', () => {
  const ci = readYaml(CI);
  assert.ok('push' in ci.on && 'pull_request' in ci.on, 'ci runs on push and pull requests');
  assert.deepEqual(ci.permissions, { contents: 'read' });
  assert.match(ci.concurrency.group, /github\.ref/);
  assert.equal(ci.concurrency['cancel-in-progress'], true);
  for (const [name, each] of Object.entries<Loose>(ci.jobs)) {
    assert.ok(typeof each['timeout-minutes'] === 'number' && each['timeout-minutes'] <= 60, `job ${name} has no timeout`);
  }
  const tests = job(ci, 'test');
  assert.deepEqual(tests.strategy.matrix.node.map(String), ['22', '24']);
  const setup = tests.steps.find((step: Loose) => /^actions\/setup-node@/.test(step.uses ?? ''));
  assert.equal(setup.with['node-version'], '${{ matrix.node }}');
  assert.equal(setup.with.cache, 'npm');
  const scripts = scriptsOf(ci, 'test');
  const prometheus = indexOfScript(scripts, /apt-get install -y[^\n]* prometheus/);
  const install = indexOfScript(scripts, /^npm ci\b/m);
  const suite = indexOfScript(scripts, /^npm test$/m);
  assert.ok(prometheus < suite && install < suite, 'Prometheus and npm ci come before npm test');
  const suiteStep = tests.steps.find((step: Loose) => step.run === 'npm test');
  assert.equal(suiteStep.env.THESPIAN_REQUIRE_PROMETHEUS, '1', 'in CI the metrics test may not skip');
});

test('ci.yml: the image is built with docker build, started, and answers thespian health', () => {
  const ci = readYaml(CI);
  const scripts = scriptsOf(ci, 'image');
  const build = indexOfScript(scripts, /docker build [^\n]*-t thespian:ci \.$/m);
  const start = indexOfScript(scripts, /docker run -d --name thespian-smoke [^\n]*thespian:ci$/m);
  const health = scripts.findIndex((script) => cliCalls(script).some((call) => call.subcommand === 'health'));
  assert.ok(build < start && start < health, 'build, then start, then ask its health');
  assert.match(scripts[health], /docker run --rm --network container:thespian-smoke thespian:ci health 127\.0\.0\.1:6379/);
  indexOfScript(scripts, /\.State\.Health\.Status/);
  indexOfScript(scripts, /docker stop thespian-smoke/);
});

test('e2e.yml: the compose stack and the rendered ecosystem, then thespian verify against Tempo and Loki; artifacts on failure', () => {
  const e2e = readYaml(E2E);
  assert.ok(e2e.on.schedule?.[0]?.cron, 'e2e runs on a schedule');
  assert.ok('workflow_dispatch' in e2e.on);
  assert.ok(e2e.on.pull_request.paths.includes('deploy/**') && e2e.on.pull_request.paths.includes('instrumentation/**'));
  assert.deepEqual(e2e.permissions, { contents: 'read' });
  assert.equal(e2e.env.STACK, 'instrumentation/docker-compose.yaml');
  assert.equal(e2e.env.ECOSYSTEM, 'deploy/compose/docker-compose.yaml');
  const scripts = scriptsOf(e2e, 'compose');
  const stack = indexOfScript(scripts, /docker compose -f "\$STACK" up -d/);
  const ecosystem = indexOfScript(scripts, /docker compose -f "\$ECOSYSTEM" up -d --wait/);
  const verify = scripts.findIndex((script) => cliCalls(script).some((call) => call.subcommand === 'verify'));
  assert.ok(stack < ecosystem && ecosystem < verify, 'the stack (it makes the network), the ecosystem, then verify');
  const call = cliCalls(scripts[verify]).find((each) => each.subcommand === 'verify')!;
  for (const flag of ['--topology', '--tempo', '--loki', '--prometheus', '--json']) assert.ok(call.flags.includes(flag), `verify without ${flag}`);
  assert.match(call.command, /--tempo http:\/\/127\.0\.0\.1:3200 --loki http:\/\/127\.0\.0\.1:3100 /);
  assert.doesNotMatch(call.command, /--max-loss/, 'the real-backend check allows no loss');
  for (const name of ['compose', 'action']) {
    const upload = job(e2e, name).steps.find((step: Loose) => /^actions\/upload-artifact@/.test(step.uses ?? ''));
    assert.equal(upload?.if, 'failure()', `${name}: the report and logs are uploaded when the job fails`);
    assert.match(upload.with.path, /e2e-artifacts/);
  }
  const logs = scriptsOf(e2e, 'compose').find((script) => /logs --no-color/.test(script));
  assert.match(logs ?? '', /"\$STACK" logs[\s\S]*"\$ECOSYSTEM" logs/, 'both compose projects\' logs are kept');
  // The second job runs this repository's own action, as a user's pipeline would.
  const used = job(e2e, 'action').steps.find((step: Loose) => step.uses === './');
  assert.equal(used.with['collector-endpoint'], 'http://127.0.0.1:4317');
  assert.equal(used.with['tempo-url'], 'http://127.0.0.1:3200');
});

test('action.yml: a composite action with the inputs a pipeline needs, outputs from the verify step, failing on loss', () => {
  const action = parse(readText('action.yml'));
  assert.equal(action.runs.using, 'composite');
  assert.equal(action.inputs['collector-endpoint'].required, true);
  for (const input of ['tempo-url', 'jaeger-url', 'loki-url', 'prometheus-url', 'requests', 'max-loss', 'wait', 'topology', 'node-version', 'report']) {
    assert.ok(action.inputs[input]?.description, `input ${input} is missing or undocumented`);
    assert.equal(typeof action.inputs[input].default, 'string', `input ${input} has no default`);
  }
  assert.equal(action.inputs.topology.default, 'ecosystem');
  assert.equal(action.inputs['node-version'].default, '22');
  assert.match(action.outputs.verdict.value, /steps\.verify\.outputs\.verdict/);
  assert.match(action.outputs.report.value, /steps\.verify\.outputs\.report/);
  const steps = stepsOf(action).map(({ step }) => step);
  assert.equal(steps[0].with['node-version'], '${{ inputs.node-version }}');
  for (const step of steps.filter((each) => each.run)) assert.equal(step.shell, 'bash', `${step.name} names its shell`);
  const verify = steps.find((step) => step.id === 'verify');
  const calls = cliCalls(verify.run).map((call) => call.subcommand);
  assert.deepEqual(calls, ['up', 'verify'], 'up starts the topology, verify checks it');
  const fail = steps.at(-1);
  assert.equal(fail.if, "steps.verify.outputs.verdict != 'pass'");
  assert.match(fail.run, /exit 1\s*$/);
});
