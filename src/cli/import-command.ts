import { readFileSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../config';
import { defineCommand } from './command';
import { readFlags, type FlagTable } from './flag-table';
import { nonEmpty, STDOUT } from './option-readers';
import { UsageError } from './usage-error';

const IMPORT_FLAGS = {
  output: { short: 'o', value: 'FILE', help: 'write the topology to FILE (JSONC); - prints it', read: nonEmpty('needs a file name, or - for stdout') },
  name: { value: 'NAME', help: 'the topology\'s name (default "imported")', read: nonEmpty('needs a name') },
} satisfies FlagTable;

export const importCommand = defineCommand(IMPORT_FLAGS, {
  name: 'import',
  summary: 'make a topology from real traces (Jaeger, OTLP/Tempo JSON, or thespian up --json)',
  header: `Usage: thespian import TRACE_FILE... -o FILE [--name NAME]

Reads traces and writes a topology that acts out their shape: a service per traced service, a
method per server operation, the call tree (overlapping children run concurrently), latencies
fitted across the traces, and failure chances from the share of failed spans. Each file may be
Jaeger's JSON (the UI's download), OTLP or Tempo JSON (also one OTLP request per line, as the
collector's file exporter writes), or the span lines of \`thespian up --json\`.`,
  footer: `Then: thespian predict FILE, thespian up FILE. See docs/import.md.
Exit status: 0 when written, 1 when FILE cannot be written, 2 for unreadable or broken traces.`,
  async run(args) {
    const { values, positionals, problems } = readFlags(args, IMPORT_FLAGS);
    if (positionals.length === 0) problems.unshift('which traces? Give one or more trace files');
    if (values.output === undefined) problems.push('where to? Give -o FILE (or -o - for stdout)');
    if (problems.length > 0) throw new UsageError(problems.join('\n'));
    const files = positionals.map(readTraceText);
    const { importTraces, ImportError } = require('../trace-import') as typeof import('../trace-import');
    let result;
    try {
      result = importTraces(files, values.name);
    } catch (error) {
      if (error instanceof ImportError) throw new ConfigError(undefined, error.problems);
      throw error;
    }
    checkTopology(result.text, values.output!);
    if (values.output === STDOUT) {
      process.stdout.write(result.text);
      return 0;
    }
    try {
      writeFileSync(values.output!, result.text);
    } catch (error) {
      process.stderr.write(`thespian import: cannot write ${values.output}: ${(error as Error).message}\n`);
      return 1;
    }
    process.stderr.write(`${values.output}: ${result.services} services from ${result.traces} traces\n${result.notes.map((note) => `note: ${note}\n`).join('')}`);
    return 0;
  },
});

function readTraceText(name: string): { name: string; text: string } {
  try {
    return { name, text: readFileSync(name, 'utf8') };
  } catch (error) {
    throw new ConfigError(name, [`cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`]);
  }
}

/** What import writes must be a topology the parser takes: checked before it is written. */
function checkTopology(text: string, output: string): void {
  const { parseTopology } = require('../topology') as typeof import('../topology');
  parseTopology(text, output === STDOUT ? 'imported topology' : output, 'json', process.cwd());
}
