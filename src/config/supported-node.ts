/**
 * The oldest Node.js this project supports, and the one line that says so on an older one.
 *
 * A warning, not a refusal: Thespian's own code still runs on Node 20, and someone who cannot
 * upgrade today should still get a working tool. But Node 20 reached end of life in April 2026,
 * the image ships Node 22, CI tests Node 22 (.ci/run), and the OpenTelemetry packages we depend on
 * declare node >= 22.15 in their engines, so nothing older is tested by us or by them.
 */

/** package.json's `engines.node` is `>=` this (test/config/supported-node.test.ts holds them equal). */
export const SUPPORTED_NODE = '22.15.0';

/**
 * `off` silences the warning. Set by the process that warned, for the processes it starts (they
 * run the same Node binary, and a line in every service's log would repeat what was said once),
 * and by test/run.mjs, since many tests assert an empty stderr and developers still run them on
 * Node 20.
 */
export const NODE_WARNING_VARIABLE = 'THESPIAN_NODE_WARNING';

/** The environment that keeps a child of this process from saying the warning again. */
export const NODE_WARNING_SILENCED: Readonly<Record<string, string>> = Object.freeze({ [NODE_WARNING_VARIABLE]: 'off' });

/** True when `version` ("20.20.2", with or without a leading "v") is SUPPORTED_NODE or newer. */
export function isSupportedNode(version: string): boolean {
  const have = versionParts(version);
  const need = versionParts(SUPPORTED_NODE);
  for (let i = 0; i < need.length; i += 1) {
    if (have[i] !== need[i]) return have[i] > need[i];
  }
  return true;
}

/** The warning's one line, without the newline. */
export function unsupportedNodeWarning(version: string): string {
  return (
    `thespian: warning: Node.js ${version.replace(/^v?/, 'v')} is not supported (needs ${SUPPORTED_NODE} or newer: older ` +
    `lines are past end of life, and the OpenTelemetry packages require it); carrying on, untested. ` +
    `${NODE_WARNING_VARIABLE}=off hides this line`
  );
}

/**
 * Writes the warning to stderr when this Node is too old, once per process tree: afterwards the
 * environment says `off`, for this process (a second call is quiet) and for children that inherit it.
 */
export function warnIfNodeUnsupported(env: NodeJS.ProcessEnv = process.env, version: string = process.versions.node): void {
  if (env[NODE_WARNING_VARIABLE] === 'off' || isSupportedNode(version)) return;
  process.stderr.write(`${unsupportedNodeWarning(version)}\n`);
  env[NODE_WARNING_VARIABLE] = 'off';
}

function versionParts(version: string): number[] {
  // A pre-release or build suffix ("22.15.0-rc.1") does not change which line it belongs to.
  const parts = version.replace(/^v/, '').split(/[.+-]/).slice(0, 3).map(Number);
  return [0, 1, 2].map((i) => (Number.isFinite(parts[i]) ? parts[i] : 0));
}
