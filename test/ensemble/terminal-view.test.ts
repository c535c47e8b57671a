import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { TerminalView } from '../../src/ensemble/terminal-view';

/**
 * What a terminal shows after `output`: enough of one to read the view by (text, newline,
 * carriage return, cursor up `ESC[nA`, clear line `ESC[2K`, clear to the end of the screen `ESC[J`).
 */
function screen(output: string): string[] {
  const rows: string[] = [''];
  let row = 0;
  let column = 0;
  for (const token of output.match(/\u001b\[\d*[AJK]|\r|\n|[^\u001b\r\n]+/g) ?? []) {
    if (token === '\n') {
      row++;
      column = 0;
      rows[row] ??= '';
    } else if (token === '\r') column = 0;
    else if (token.endsWith('A')) row = Math.max(0, row - Number(token.slice(2, -1) || 1));
    else if (token === '\u001b[J') {
      rows[row] = rows[row].slice(0, column);
      rows.length = row + 1;
    } else if (token === '\u001b[2K') rows[row] = '';
    else {
      rows[row] = rows[row].slice(0, column) + token + rows[row].slice(column + token.length);
      column += token.length;
    }
  }
  return rows;
}

function viewOn(tty: boolean, table: (() => string[]) | undefined) {
  const out = new PassThrough();
  let written = '';
  out.setEncoding('utf8').on('data', (chunk: string) => (written += chunk));
  let tick = 0;
  const view = new TerminalView({ out, tty, colour: false, width: 80, treesPerSecond: 0, quiet: false, serviceColours: new Map(), status: () => `status ${tick}`, table });
  return { view, output: () => written, next: () => tick++ };
}

test('on a terminal, the call table and the summary line are one block redrawn in place, below what is printed', async () => {
  let rate = 1;
  const { view, output, next } = viewOn(true, () => ['  last 5 s   calls', `  front      ${rate}`]);
  view.start();
  await delay(300);
  rate = 2;
  next();
  view.println('a line printed above');
  await delay(300);
  rate = 3;
  next();
  await delay(300);
  // The block stands under the printed line, once, with its latest figures.
  assert.deepEqual(screen(output()), ['a line printed above', '  last 5 s   calls', '  front      3', 'status 2']);
  view.stop();
  assert.deepEqual(screen(output()), ['a line printed above', ''], 'the stop clears it, for the final summary');
});

test('off a terminal there is no redrawing: nothing is printed between the 5-second prints, and no escape codes', async () => {
  const { view, output } = viewOn(false, () => ['  table']);
  view.start();
  view.println('line');
  await delay(200);
  view.stop();
  assert.equal(output(), 'line\n');
});
