import { ImportError } from './import-error';
import type { ObservedModel, Operation, StepNode } from './observed-model';

export interface Placement {
  /** The topology's service that acts the operation out. */
  readonly service: string;
  readonly method: 'A' | 'B' | 'C';
}

const LETTERS = ['A', 'B', 'C'] as const;

/**
 * Where each operation goes in the topology. A Thespian method keeps its letter. Other
 * operations take the letters left, in the order first seen; a Thespian service has three
 * methods, so a service with more operations is split: the fourth to sixth go to a service
 * "NAME-2", and so on (`notes` says so, for the file's header).
 */
export function placeOperations(model: ObservedModel, notes: string[]): Map<Operation, Placement> {
  const placements = new Map<Operation, Placement>();
  const taken = new Set(model.services.keys());
  for (const [service, operations] of model.services) {
    const free = LETTERS.filter((letter) => ![...operations.values()].some((operation) => operation.letter === letter));
    const others = [...operations.values()].filter((operation) => operation.letter === undefined);
    for (const operation of operations.values()) if (operation.letter) placements.set(operation, { service, method: operation.letter });
    let spill = 1;
    let inService = service;
    others.forEach((operation, index) => {
      const slot = index < free.length ? { service, method: free[index] } : undefined;
      if (slot) return void placements.set(operation, slot);
      const beyond = index - free.length;
      if (beyond % 3 === 0) {
        do spill += 1;
        while (taken.has(`${service}-${spill}`));
        inService = `${service}-${spill}`;
        taken.add(inService);
        notes.push(`${service} has more than three operations: from "${operation.key}" on they are acted by ${inService}`);
      }
      placements.set(operation, { service: inService, method: LETTERS[beyond % 3] });
    });
  }
  refuseCallCycles(model, placements);
  return placements;
}

/** An operation that reaches itself again cannot be acted out: the copy would call forever. */
function refuseCallCycles(model: ObservedModel, placements: ReadonlyMap<Operation, Placement>): void {
  const done = new Set<Operation>();
  const visit = (operation: Operation, path: Operation[]): void => {
    if (path.includes(operation)) {
      const names = [...path.slice(path.indexOf(operation)), operation].map((each) => `${placements.get(each)?.service}/${placements.get(each)?.method} (${each.key})`);
      throw new ImportError([`the calls form a cycle, which a topology cannot act out: ${names.join(' → ')}`]);
    }
    if (done.has(operation)) return;
    for (const target of callTargets(operation.body)) visit(target, [...path, operation]);
    done.add(operation);
  };
  for (const operations of model.services.values()) for (const operation of operations.values()) visit(operation, []);
}

function callTargets(step: StepNode): Operation[] {
  return [...(step.target ? [step.target] : []), ...step.children.flatMap(callTargets)];
}
