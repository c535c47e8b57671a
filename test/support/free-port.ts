import { freePorts } from '../../src/ensemble/free-ports';

/**
 * A port that was free a moment ago, for configs that must name a port before an instance starts.
 * Chosen as `thespian up --free-ports` chooses, outside the ephemeral range, so that another
 * test's outgoing connection cannot take it before the instance binds it.
 */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port;
}
