import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFlags, type FlagTable } from '../../src/cli/flag-table';
import { durationSeconds, mustBe, nonEmpty, wholeNumber } from '../../src/cli/option-readers';
import { usageText } from '../../src/cli/usage-text';
import { UsageError } from '../../src/cli/usage-error';
import { COMMANDS } from '../../src/cli/commands';
import { runToExit } from '../support/instance-process';

const FLAGS = {
  count: { short: 'n', value: 'N', help: 'how many calls', default: '1', read: mustBe('a whole number ≥ 1', wholeNumber(1)) },
  wait: { value: 'S', help: 'how long to wait', default: '30 s', read: mustBe('a time > 0', durationSeconds) },
  target: { value: 'HOST:PORT', repeatable: true, help: 'where to send' },
  json: { value: 'FILE', help: 'write the result there; a long line of help that has to be wrapped, with `a quoted command that stays whole` in it', read: nonEmpty('needs a file name') },
  quiet: { help: 'say nothing' },
} satisfies FlagTable;

test('one table gives typed values: defaults read like given text, switches, lists, the last of a repeated option', () => {
  const none = readFlags([], FLAGS);
  assert.deepEqual(none.values, { count: 1, wait: 30, target: [], json: undefined, quiet: false });
  assert.deepEqual([...none.given], [], 'a default is not an option given');
  assert.deepEqual(none.problems, []);

  const some = readFlags(['-n', '3', '--count=4', '--target', 'a', 'file', '--target', 'b', '--quiet', '--wait', '2m'], FLAGS);
  assert.deepEqual(some.values, { count: 4, wait: 120, target: ['a', 'b'], json: undefined, quiet: true });
  assert.deepEqual([...some.given].sort(), ['count', 'quiet', 'target', 'wait']);
  assert.deepEqual(some.positionals, ['file']);
});

test('every refused value is a line that starts with the option as it was written, in the order of the table', () => {
  const { problems, values } = readFlags(['--json=', '-n', '0', '--wait', 'soon'], FLAGS);
  assert.deepEqual(problems, ['-n must be a whole number ≥ 1 (got "0")', '--wait must be a time > 0 (got "soon")', '--json needs a file name']);
  assert.equal(values.count, undefined);
  assert.deepEqual(readFlags(['--count', 'x'], FLAGS).problems, ['--count must be a whole number ≥ 1 (got "x")']);
});

test("mistakes of form keep parse-command-args's own words", () => {
  assert.throws(() => readFlags(['--cont', '2'], FLAGS), (error: unknown) => error instanceof UsageError && error.message === 'unknown option --cont (did you mean --count?)');
  assert.throws(() => readFlags(['--quiet=yes'], FLAGS), { message: '--quiet takes no value (got "yes")' });
  assert.throws(() => readFlags(['--wait'], FLAGS), { message: '--wait needs a value' });
});

test('the usage lists every option with its value, help, "(repeatable)" and default, wrapped to 100 columns', () => {
  const usage = usageText(FLAGS, { header: 'Usage: thespian try [options]', footer: 'Exit status: 0.' });
  assert.equal(
    usage,
    [
      'Usage: thespian try [options]',
      '',
      'Options:',
      '  -n, --count N       how many calls (default 1)',
      '  --wait S            how long to wait (default 30 s)',
      '  --target HOST:PORT  where to send (repeatable)',
      '  --json FILE         write the result there; a long line of help that has to be wrapped, with',
      '                      `a quoted command that stays whole` in it',
      '  --quiet             say nothing',
      '',
      'Exit status: 0.',
    ].join('\n'),
  );
  const sections = usageText(FLAGS, {
    header: 'Usage: thespian try HOST',
    sections: [{ rows: [['HOST', 'the instance'], 'target'] }, { heading: 'Options:', rows: ['count', 'wait', 'json', 'quiet'] }],
    footer: '',
  });
  assert.match(sections, /^ {2}HOST {16}the instance\n {2}--target HOST:PORT {2}where to send \(repeatable\)\n\nOptions:\n {2}-n, --count N/m);
});

test('an option left out of the usage, or listed twice, is refused when the usage is made', () => {
  assert.throws(() => usageText(FLAGS, { header: '', sections: [{ rows: ['count', 'wait', 'target', 'json'] }], footer: '' }), /--quiet 0 times/);
  assert.throws(() => usageText(FLAGS, { header: '', sections: [{ rows: ['count', 'wait', 'target', 'json', 'quiet', 'count'] }], footer: '' }), /--count 2 times/);
});

test("a default that the option's own reader refuses is a mistake in the table, found on first use", () => {
  const broken = { port: { value: 'N', help: 'a port', default: 'none', read: mustBe('a whole number', wholeNumber(0)) } } satisfies FlagTable;
  assert.throws(() => readFlags([], broken), /the default of --port, "none", must be a whole number/);
  assert.equal(readFlags(['--port', '7'], broken).values.port, 7);
});

test("every command's option list fits in 100 columns", () => {
  for (const command of COMMANDS) {
    const optionLines = command.usage.split('\n').filter((line) => line.startsWith('  '));
    assert.ok(optionLines.length > 0, command.name);
    for (const line of optionLines) assert.ok(line.length <= 100, `${command.name}: ${line}`);
  }
});

test('a refused value is named as the user wrote it: -n or --count', async () => {
  for (const [flag, shown] of [['-n', '-n'], ['--count', '--count']]) {
    const result = await runToExit({}, ['poke', '7000', flag, '0']);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, `thespian poke: ${shown} must be a whole number ≥ 1 (got "0")\nsee \`thespian poke --help\`\n`);
  }
});
