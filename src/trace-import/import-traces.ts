import { compactJson } from '../common';
import { ImportError } from './import-error';
import { addTrace } from './merge-trace';
import { emptyModel } from './observed-model';
import { readTraceFile, type TraceFormat } from './read-trace-file';
import { spanTrees } from './span-tree';
import { topologyOfModel } from './topology-of-model';

export interface TraceFileText {
  /** As the user named it, for messages and the header. */
  readonly name: string;
  readonly text: string;
}

export interface ImportResult {
  /** The topology file: JSONC, a comment header saying where it came from, then the JSON. */
  readonly text: string;
  readonly traces: number;
  readonly services: number;
  readonly formats: ReadonlyMap<string, TraceFormat>;
  readonly notes: readonly string[];
}

/**
 * A topology from trace files: every file read in its own format, every trace in it checked
 * and merged into one model, the model written out. Throws ImportError with every file's
 * problem on its own line.
 */
export function importTraces(files: readonly TraceFileText[], topologyName = 'imported'): ImportResult {
  const model = emptyModel();
  const formats = new Map<string, TraceFormat>();
  const problems: string[] = [];
  for (const file of files) {
    try {
      const read = readTraceFile(file.name, file.text);
      formats.set(file.name, read.format);
      const trees = spanTrees(file.name, read.spans);
      if (trees.length === 0) problems.push(`${file.name}: only health checks and reflection in it, no traces of requests`);
      for (const tree of trees) addTrace(model, tree);
    } catch (error) {
      if (!(error instanceof ImportError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new ImportError(problems);
  const { topology, notes } = topologyOfModel(model, topologyName);
  const services = Object.keys(topology.services as object).length;
  return { text: `${header(files, model.traces, services, notes)}${compactJson(topology)}\n`, traces: model.traces, services, formats, notes };
}

function header(files: readonly TraceFileText[], traces: number, services: number, notes: readonly string[]): string {
  const lines = [
    `Made by \`thespian import\` from ${traces} trace${traces === 1 ? '' : 's'} in ${files.map((file) => file.name).join(', ')}: ${services} service${services === 1 ? '' : 's'}.`,
    'Latencies are fitted to the times seen (one trace: that time; several: a LogNormal with their',
    'mean and variance); failure_chance is the share of appearances where a failure began there.',
    'Each root operation is an entry point at 1 request/s. Edit freely: this file is yours now.',
    ...notes,
  ];
  return lines.map((line) => `// ${line}\n`).join('');
}
