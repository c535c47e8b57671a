/**
 * "payments/B": one method of one service, as a request's hop trail, the call graph, predict,
 * verify and up all name it, so that a name read in one report is the name found in another.
 */
export function endpointName(service: string, method: string): string {
  return `${service}/${method}`;
}
