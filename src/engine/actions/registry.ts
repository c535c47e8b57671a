import type { AnyActionKind } from '../action-kind';
import { callServiceAction } from './call-service';
import { computeAction } from './compute';
import { functionAction } from './function';
import { logAction } from './log';
import { sleepAction } from './sleep';

/** Every action kind a behaviour may use. One line per kind. */
export const ACTION_KINDS: readonly AnyActionKind[] = [functionAction, sleepAction, callServiceAction, logAction, computeAction];

/** The kind registered under `tag`, if any. */
export function findActionKind(tag: string): AnyActionKind | undefined {
  return ACTION_KINDS.find((candidate) => candidate.tag === tag);
}

/** The kind of an already validated action; a missing one is a bug, not bad input. */
export function actionKind(tag: string): AnyActionKind {
  const kind = findActionKind(tag);
  if (!kind) throw new Error(`no action kind "${tag}" is registered`);
  return kind;
}
