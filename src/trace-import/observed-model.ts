/**
 * What the traces showed, merged across them: each service's operations (one per SERVER span
 * name or Thespian method), and each operation's steps as a tree whose nodes collect, per trace
 * they appeared in, their duration, their offset in their parent, and whether a failure began
 * there. The writer turns it into behaviours.
 */

/** What a step becomes: a Function (it has children), a Sleep or Compute (a leaf), a CallService. */
export type StepType = 'function' | 'sleep' | 'compute' | 'call';

export interface StepNode {
  readonly type: StepType;
  readonly name: string;
  /** Per appearance: duration (a leaf's), own time (a function's, outside its children), in ms. */
  readonly durations: number[];
  /** Per appearance: start and end in ms from the parent's start, for telling what ran together. */
  readonly starts: number[];
  readonly ends: number[];
  /** Per appearance: which trace it was in (1, 2, …), so siblings are compared within a trace. */
  readonly traceNumbers: number[];
  /** Appearances where a failure began at this step (its span failed, and nothing below it did). */
  failures: number;
  readonly children: StepNode[];
  /** Made by a Thespian (its span carries Thespian's kind attribute): its own time is the engine's, which a copy makes again. */
  madeByThespian: boolean;
  /** For a call: the operation it reached (the last appearance that showed one). */
  target?: Operation;
}

export interface Operation {
  readonly service: string;
  /** The SERVER span's name, or the Thespian method letter. */
  readonly key: string;
  /** Set when the traces were Thespian's: its method letter. */
  readonly letter?: 'A' | 'B' | 'C';
  readonly body: StepNode;
}

export interface ObservedModel {
  /** By service, in the order first seen; each service's operations in the order first seen. */
  readonly services: Map<string, Map<string, Operation>>;
  /** The operations requests entered by, with how many traces entered each. */
  readonly entries: Map<Operation, number>;
  traces: number;
}

export function emptyModel(): ObservedModel {
  return { services: new Map(), entries: new Map(), traces: 0 };
}

export function newStep(type: StepType, name: string): StepNode {
  return { type, name, durations: [], starts: [], ends: [], traceNumbers: [], failures: 0, children: [], madeByThespian: false };
}
