// The folder graph README.md allows, read from the README itself so that the two cannot drift
// apart: the fenced block in its "## Architecture" section whose lines read `folder → a, b, c`
// (`(none)` for a folder that imports nothing of ours). Not a test file itself.

const ARROW_LINE = /^(\S+)\s*→\s*(.*)$/;

/** Folder → the folders it may import. Throws when the README has no such block. */
export function allowedImports(readme: string): Map<string, Set<string>> {
  const section = /^## Architecture\s*$([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)?.[1];
  if (section === undefined) throw new Error('README.md has no "## Architecture" section');
  for (const block of section.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)) {
    const lines = block[1].split('\n').filter((line) => line.trim() !== '');
    if (lines.length === 0 || !lines.every((line) => ARROW_LINE.test(line))) continue;
    const allowed = new Map<string, Set<string>>();
    for (const line of lines) {
      const [, folder, list] = ARROW_LINE.exec(line)!;
      if (allowed.has(folder)) throw new Error(`README.md's architecture block names ${folder} twice`);
      const targets = list.trim() === '(none)' ? [] : list.split(',').map((name) => name.trim());
      allowed.set(folder, new Set(targets));
    }
    return allowed;
  }
  throw new Error('README.md\'s "## Architecture" section has no fenced block of `folder → a, b, c` lines');
}
