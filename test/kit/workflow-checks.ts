// What the workflow tests hold every GitHub workflow and action to, as functions of a file's path
// and text, so that a test can also hand them a broken copy and see the problem named. Not a test
// file itself (no .test.ts suffix).
//
// A file's problems: YAML that does not parse; what @action-validator/core (the SchemaStore
// schemas for workflows and actions) refuses; an action used without at least a major version; a
// `thespian` subcommand or flag that the built CLI's --help does not list; a repository path, npm
// script or just recipe that does not exist; an expression spliced into a shell script.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { validateAction, validateWorkflow, type ValidationError } from '@action-validator/core';
import { exists, npmScripts, readText, repoPath, type Loose } from './kit-files';

export interface CheckedFile {
  readonly path: string;
  readonly text: string;
}

/** Every workflow, and the composite action at the root. */
export function actionFiles(): CheckedFile[] {
  const workflows = readdirSync(repoPath('.github', 'workflows'))
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => `.github/workflows/${name}`);
  return [...workflows, 'action.yml'].map((path) => ({ path, text: readText(path) }));
}

export function isAction(path: string): boolean {
  return /(^|\/)action\.ya?ml$/.test(path);
}

/** A shell step with the environment it runs in (workflow, job and step env merged). */
export interface RunStep {
  readonly where: string;
  readonly run: string;
  readonly env: Record<string, string>;
  readonly step: Loose;
}

export function stepsOf(tree: Loose): Array<{ where: string; step: Loose; env: Record<string, string> }> {
  const found: Array<{ where: string; step: Loose; env: Record<string, string> }> = [];
  const top = tree?.env ?? {};
  if (tree?.runs?.steps) {
    tree.runs.steps.forEach((step: Loose, index: number) => found.push({ where: `runs.steps[${index}]`, step, env: { ...top, ...step.env } }));
  }
  for (const [name, job] of Object.entries<Loose>(tree?.jobs ?? {})) {
    (job.steps ?? []).forEach((step: Loose, index: number) =>
      found.push({ where: `jobs.${name}.steps[${index}]`, step, env: { ...top, ...job.env, ...step.env } }),
    );
  }
  return found;
}

export function runSteps(tree: Loose): RunStep[] {
  return stepsOf(tree)
    .filter(({ step }) => typeof step.run === 'string')
    .map(({ where, step, env }) => ({ where, run: step.run, env, step }));
}

/** A call of the thespian CLI in a script: its subcommand and the flags given to it. */
export interface CliCall {
  readonly subcommand: string;
  readonly flags: string[];
  readonly command: string;
}

// The ways the scripts call the CLI: the built file, the action's "$cli", the image's entrypoint
// (`docker run ... thespian:TAG SUB`), and the action's argument array (`args=(SUB ...)`).
const CLI_CALL = /(?:(?:dist\/cli\/main\.js"?|"\$cli"|\bthespian:[\w.-]+)\s+|\bargs=\()([a-z][a-z-]*)\b(.*)$/;
const FLAG = /(?:^|[\s(])(--[a-z][a-z-]*)/g;

/** The script's commands, one per line, with backslash continuations joined. */
export function commandLines(script: string): string[] {
  return script.replace(/\\\n\s*/g, ' ').split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
}

export function cliCalls(script: string): CliCall[] {
  const calls: Array<{ subcommand: string; flags: string[]; command: string }> = [];
  for (const line of commandLines(script)) {
    const flags = (rest: string) => [...rest.matchAll(FLAG)].map((match) => match[1]);
    const call = CLI_CALL.exec(line);
    if (call) calls.push({ subcommand: call[1], flags: flags(call[2]), command: line });
    // `args+=(--flag ...)` adds to the argument array begun last.
    else if (/\bargs\+=\(/.test(line) && calls.length > 0) calls.at(-1)!.flags.push(...flags(line.slice(line.indexOf('args+=('))));
  }
  return calls;
}

const helpTexts = new Map<string, { status: number | null; text: string }>();

/** The built CLI's --help for a subcommand (dist/ must be built: npm test builds it first). */
export function cliHelp(subcommand: string): { status: number | null; text: string } {
  let help = helpTexts.get(subcommand);
  if (!help) {
    const result = spawnSync(process.execPath, [repoPath('dist', 'cli', 'main.js'), subcommand, '--help'], { encoding: 'utf8', timeout: 30_000 });
    help = { status: result.status, text: `${result.stdout}${result.stderr}` };
    helpTexts.set(subcommand, help);
  }
  return help;
}

function cliProblems(script: string): string[] {
  const problems: string[] = [];
  for (const { subcommand, flags } of cliCalls(script)) {
    const help = cliHelp(subcommand);
    if (help.status !== 0) {
      problems.push(`thespian ${subcommand}: no such subcommand (its --help exits ${help.status})`);
      continue;
    }
    for (const flag of flags) {
      const listed = new RegExp(`(^|[\\s\\[(|])${flag}(?![\\w-])`, 'm');
      if (!listed.test(help.text)) problems.push(`thespian ${subcommand} ${flag}: not a flag its --help lists`);
    }
  }
  return problems;
}

/** Substitutes $NAME and ${NAME} from the step's environment, so that "$STACK" names its file. */
function expand(script: string, env: Record<string, string>): string {
  return script.replace(/\$\{?([A-Z_][A-Z0-9_]*)\}?/g, (whole, name: string) => (typeof env[name] === 'string' ? env[name] : whole));
}

const REPO_PATH = /(?:^|[\s"'=(])((?:deploy|instrumentation|example_configs|src|test|docs|bench|proto|\.ci|\.github)\/[\w./*-]*[\w*])/g;

/** Each path must exist; a glob (a trigger's paths) must at least have the folder before its first `*`. */
function missingPaths(paths: string[]): string[] {
  return paths
    .filter((path) => !exists(path.includes('*') ? path.slice(0, path.indexOf('*')).replace(/\/$/, '') || '.' : path))
    .map((path) => `${path}: no such file or folder in the repository`);
}

function pathProblems(text: string): string[] {
  return missingPaths([...text.matchAll(REPO_PATH)].map((match) => match[1]));
}

function npmProblems(script: string): string[] {
  const scripts = npmScripts();
  const problems: string[] = [];
  for (const [, name] of script.matchAll(/\bnpm run ([\w:-]+)/g)) {
    if (!scripts[name]) problems.push(`npm run ${name}: package.json has no such script`);
  }
  if (/\bnpm (test|t)\b/.test(script) && !scripts.test) problems.push('npm test: package.json has no test script');
  if (/\bnpm ci\b/.test(script) && !exists('package-lock.json')) problems.push('npm ci: there is no package-lock.json');
  return problems;
}

function justProblems(script: string): string[] {
  const problems: string[] = [];
  const justfile = readText('justfile');
  for (const [, recipe] of script.matchAll(/\bjust\s+(?:--[\w-]+\s+)*([a-z][\w-]*)/g)) {
    if (!new RegExp(`^${recipe}\\b[^\\n]*:`, 'm').test(justfile)) problems.push(`just ${recipe}: the justfile has no such recipe`);
  }
  return problems;
}

function validatorProblems(path: string, text: string): string[] {
  const state = isAction(path) ? validateAction(text) : validateWorkflow(text);
  const describe = (error: ValidationError): string =>
    'path' in error ? `${error.path}: ${error.title}${error.detail ? ` (${error.detail})` : ''}` : `${error.title}: ${error.detail}`;
  return state.errors.map((error) => `action-validator: ${describe(error)}`);
}

function usesProblems(tree: Loose): string[] {
  const problems: string[] = [];
  for (const { where, step } of stepsOf(tree)) {
    const uses = step.uses;
    if (typeof uses !== 'string') continue;
    if (uses.startsWith('./')) {
      if (!exists(`${uses.replace(/\/$/, '')}/action.yml`)) problems.push(`${where}: uses ${uses}, which has no action.yml`);
    } else if (!/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/.test(uses)) {
      problems.push(`${where}: uses ${uses}, not pinned to a major version (or a commit)`);
    }
  }
  return problems;
}

/** Every problem of one workflow or action file, one line each; none for a good file. */
export function problemsIn(file: CheckedFile): string[] {
  const doc = parseDocument(file.text, { prettyErrors: true });
  const parseErrors = [...doc.errors, ...doc.warnings].map((error) => `YAML: ${error.message}`);
  if (parseErrors.length > 0) return parseErrors;
  const tree = doc.toJS() as Loose;
  const problems = [...validatorProblems(file.path, file.text), ...usesProblems(tree)];
  for (const { where, run, env } of runSteps(tree)) {
    const script = expand(run, env);
    const here = (problem: string) => `${where}: ${problem}`;
    if (/\$\{\{/.test(run)) problems.push(here('an expression inside the script (pass it through env, so no value can inject a command)'));
    problems.push(...[...cliProblems(script), ...pathProblems(script), ...npmProblems(script), ...justProblems(script)].map(here));
  }
  const paths = [tree?.on?.pull_request?.paths ?? [], tree?.on?.push?.paths ?? []].flat();
  problems.push(...missingPaths(paths).map((problem) => `on: ${problem}`));
  return problems;
}
