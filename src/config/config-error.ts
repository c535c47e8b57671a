/**
 * A configuration problem the user must fix: bad CONFIG_JSON, CONFIG_FILE, PORT, topology...
 * Carries every problem found (one readable line each), so a user fixes them all in one go.
 * The CLI prints the lines and exits 2, never a stack trace.
 */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  /** `source` (CONFIG_JSON, a file path...) prefixes every problem; undefined keeps them as they are. */
  constructor(source: string | undefined, problems: readonly string[]) {
    const lines = source === undefined ? [...problems] : problems.map((problem) => `${source}: ${problem}`);
    super(lines.length === 1 ? lines[0] : `${lines.length} configuration problems:\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.problems = lines;
  }
}

/** Exit code for configuration errors, as documented in the README. */
export const CONFIG_ERROR_EXIT_CODE = 2;
