import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToExit } from '../support/instance-process';

/**
 * What a lone `-` means as a file: stdout for an option that writes a command's one product, a
 * usage error for a file written beside what the command prints on stdout, and never a file
 * named "-" in the current folder.
 */

function inEmptyFolder<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'thespian-dash-'));
  return body(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('up, load and verify refuse "-" for the files beside their stdout: exit 2, one line each, no file named "-"', async () => {
  await inEmptyFolder(async (dir) => {
    // Runs that would be short if "-" were taken for a file name, as it once was.
    const up = ['up', 'ecosystem', '--free-ports', '--requests', '1', '--quiet'];
    const cases: [string[], string][] = [
      [[...up, '--json', '-'], '--json'],
      [[...up, '--summary-json', '-'], '--summary-json'],
      [[...up, '--logs', '-'], '--logs'],
      [[...up, '--prometheus-sd', '-'], '--prometheus-sd'],
      [['load', '--target', '1', '--requests', '1', '--json', '-'], '--json'],
      [['verify', '--embedded', '--topology', 'ecosystem', '--json', '-'], '--json'],
    ];
    for (const [args, option] of cases) {
      const run = await runToExit({}, args, 30_000, { cwd: dir });
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, new RegExp(`^thespian ${args[0]}: ${option} needs a (file name|directory): "-" is not stdout here, as stdout carries `, 'm'));
      assert.ok(!run.stderr.includes('    at '), 'no stack trace');
      assert.deepEqual(readdirSync(dir), [], `${args.join(' ')} left a file behind`);
    }
  });
});

test('schema -o - prints the schema on stdout, as generate, import and render do with -o -', async () => {
  await inEmptyFolder(async (dir) => {
    const printed = await runToExit({}, ['schema', '-o', '-'], 15_000, { cwd: dir });
    const plain = await runToExit({}, ['schema'], 15_000, { cwd: dir });
    assert.equal(printed.code, 0, printed.stderr);
    assert.equal(printed.stdout, plain.stdout);
    assert.equal(JSON.parse(printed.stdout).$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.deepEqual(readdirSync(dir), [], 'no file named "-"');
  });
});
