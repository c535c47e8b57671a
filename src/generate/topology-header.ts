import type { CallPlan } from './call-plan';
import { DEFAULT_DEPTH, SHAPE_DESCRIPTIONS, type GenerateOptions } from './generate-options';

const WIDTH = 100;

/** The command line that makes the file again, flags in a fixed order with every default written out. */
export function commandLineOf(options: GenerateOptions): string {
  const depth = options.depth ?? DEFAULT_DEPTH[options.shape];
  return [
    `thespian generate --services ${options.services} --shape ${options.shape} --seed ${options.seed}`,
    depth === undefined || options.shape === 'chain' ? '' : ` --depth ${depth}`,
    ` --entry-rps ${options.entryRps}`,
  ].join('');
}

/** The file's opening comment: how it was made, what its shape is, what it holds. */
export function topologyHeader(options: GenerateOptions, plan: CallPlan, entryPoints: number): string {
  const calls = plan.services.reduce((sum, service) => sum + service.callees.length, 0);
  const deepest = Math.max(...plan.services.map((service) => plan.depth(service.index)));
  const lines = [
    `Made by: ${commandLineOf(options)}`,
    'The same command makes the same file, byte for byte.',
    '',
    ...wrap(`Shape ${options.shape}: ${SHAPE_DESCRIPTIONS[options.shape]}`),
    '',
    ...wrap(
      `${options.services} services, ${calls} calls between them, call paths up to ${deepest} services deep; ` +
        `${entryPoints} entry point${entryPoints === 1 ? '' : 's'} sharing ${options.entryRps} requests/s. ` +
        'Stores fail now and then, each a share of a 1–4% failure budget per request (so about 1–5% of requests fail, whatever the size: thespian predict says exactly); callers retry some calls and pass some failure codes on.',
    ),
    '',
    'Run it: thespian up THIS_FILE --free-ports; predict one request: thespian predict THIS_FILE.',
  ];
  return lines.map((line) => (line === '' ? '//\n' : `// ${line}\n`)).join('');
}

function wrap(text: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > WIDTH - 3) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}
