import type { Flag, FlagTable } from './flag-table';

/** A line of the usage's list: one of the table's options, or another thing (an argument, a variable) and its help. */
export type UsageRow<T extends FlagTable> = (keyof T & string) | readonly [label: string, help: string];

export interface UsageSection<T extends FlagTable> {
  heading?: string;
  rows: readonly UsageRow<T>[];
}

export interface UsageLayout<T extends FlagTable> {
  /** Hand-written: the synopsis and what the command does. */
  header: string;
  /** Where each option goes; by default one "Options:" list of them all, in the table's order. */
  sections?: readonly UsageSection<T>[];
  /** Hand-written: exit status, examples, where to read more. */
  footer: string;
}

/** Lines are wrapped to this width; the hand-written header and footer keep to it too. */
const WIDTH = 100;

/**
 * A command's `--help`: its header, the list of its options made from its flag table (each with
 * its value's name, its help, "(repeatable)" and its default), and its footer.
 */
export function usageText<T extends FlagTable>(table: T, layout: UsageLayout<T>): string {
  const sections = layout.sections ?? [{ heading: 'Options:', rows: Object.keys(table) }];
  checkEveryFlagShownOnce(table, sections);
  const rowsOf = (section: UsageSection<T>) => section.rows.map((row) => (typeof row === 'string' ? flagRow(row, table[row]) : row));
  const column = 2 + Math.max(...sections.flatMap(rowsOf).map(([label]) => label.length)) + 2;
  const lists = sections.map((section) => {
    const lines = rowsOf(section).flatMap(([label, help]) => wrap(help, column).map((line, index) => (index === 0 ? `  ${label}`.padEnd(column) : ' '.repeat(column)) + line));
    return [...(section.heading ? [section.heading] : []), ...lines].join('\n');
  });
  return [layout.header, ...lists, layout.footer].join('\n\n');
}

function flagRow(name: string, flag: Flag): readonly [string, string] {
  const label = `${flag.short ? `-${flag.short}, ` : ''}--${name}${flag.value ? ` ${flag.value}` : ''}`;
  const help = `${flag.help}${flag.repeatable ? ' (repeatable)' : ''}${flag.default !== undefined ? ` (default ${flag.default})` : ''}`;
  return [label, help];
}

/** The help's words in lines that fit beside the labels; a `quoted command` stays on one line. */
function wrap(text: string, column: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.match(/(?:`[^`]*`|[^\s`])+/g) ?? []) {
    if (line !== '' && column + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line];
}

/** A flag left out of the layout would be an option nobody can find; one listed twice, a slip. */
function checkEveryFlagShownOnce<T extends FlagTable>(table: T, sections: readonly UsageSection<T>[]): void {
  const shown = sections.flatMap((section) => section.rows.filter((row): row is keyof T & string => typeof row === 'string'));
  for (const name of Object.keys(table)) {
    const times = shown.filter((row) => row === name).length;
    if (times !== 1) throw new Error(`the usage lists --${name} ${times} times`);
  }
}
