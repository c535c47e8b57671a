/**
 * Trace files that cannot become a topology: not a trace format, no spans, a broken trace. Each
 * problem is one line that names its file (and trace), so the CLI prints them and exits 2.
 */
export class ImportError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ImportError';
  }
}
