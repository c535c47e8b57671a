import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runToExit } from '../support/instance-process';

const thespian = (...args: string[]) => runToExit({}, args);

test('thespian --version and -V print the version of package.json', async () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const result = await thespian(flag);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `thespian ${version}\n`);
  }
  assert.match((await thespian('--help')).stdout, /thespian --version/);
});

test('a mistyped subcommand gets "did you mean" and a pointer to --help, in one line, exit 2', async () => {
  const cases: [string[], string][] = [
    [['lod', '--target', '1'], 'thespian: unknown command "lod" (did you mean "load"?); see `thespian --help`\n'],
    [['verfiy'], 'thespian: unknown command "verfiy" (did you mean "verify"?); see `thespian --help`\n'],
    [['frobnicate'], 'thespian: unknown command "frobnicate"; see `thespian --help`\n'],
    [['--bogus'], 'thespian: unknown option "--bogus"; see `thespian --help`\n'],
  ];
  for (const [args, stderr] of cases) {
    const result = await thespian(...args);
    assert.equal(result.code, 2, args.join(' '));
    assert.equal(result.stderr, stderr);
    assert.equal(result.stdout, '');
  }
});

test("a bad option is one line of our own words plus a pointer to the command's --help, not the whole usage", async () => {
  const cases: [string[], string][] = [
    [['up', '--bogus'], 'thespian up: unknown option --bogus'],
    [['up', '--requets', '5'], 'thespian up: unknown option --requets (did you mean --requests?)'],
    [['up', '--quiet=yes'], 'thespian up: --quiet takes no value (got "yes")'],
    [['up', '--rps'], 'thespian up: --rps needs a value'],
    [['up', '--seed', '-1'], 'thespian up: --seed needs a value, but is followed by "-1"; for a value that starts with "-", write --seed=-1'],
    [['load', '--target', '7000', '-x'], 'thespian load: unknown option -x'],
    [['schema', '--output'], 'thespian schema: --output needs a value'],
  ];
  for (const [args, line] of cases) {
    const result = await thespian(...args);
    assert.equal(result.code, 2, args.join(' '));
    assert.equal(result.stderr, `${line}\nsee \`thespian ${args[0]} --help\`\n`);
  }
});

test('`up` refused at start (a port in use) leaves no empty thespian-up-* folder behind', async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'thespian-cli-test-'));
  const blocker: Server = createServer();
  try {
    const port = await new Promise<number>((resolve) => blocker.listen(0, '0.0.0.0', () => resolve((blocker.address() as { port: number }).port)));
    const topology = join(scratch, 'busy.json');
    writeFileSync(topology, JSON.stringify({ services: { solo: { port, behaviour: {} } } }));
    const made = mkdtempSync(join(scratch, 'tmp-'));
    const result = await runToExit({ TMPDIR: made }, ['up', topology, '--query-port', '0']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`port ${port} of service solo is already in use`));
    assert.deepEqual(readdirSync(made), [], 'no folder left in the temporary directory');
  } finally {
    blocker.close();
    rmSync(scratch, { recursive: true, force: true });
  }
});
