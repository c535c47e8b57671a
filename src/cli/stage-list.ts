import { durationSeconds } from '../common';
import { StagePlan, StagePlanError, type LoadStage } from '../traffic';
import { MAX_RPS, MAX_STAGES, MIN_STAGE_S } from '../topology';

/**
 * Reads `--stages 10s:100,1m:100,10s:0`: comma-separated DURATION:RATE pairs, each stage ramping
 * from the rate before it (0 at the start) to its own. Gives their plan (cycling with `repeat`),
 * or one line per problem naming the stage by its position, so a long list's mistake is easy to
 * find. Stages and rates have the bounds a topology's entry-point stages have.
 */
export function readStageList(text: string, repeat = false): { plan: StagePlan } | { problems: string[] } {
  if (text.trim() === '') return { problems: ['--stages is empty; give DURATION:RATE stages separated by commas, e.g. 10s:100,1m:100,10s:0'] };
  const parts = text.split(',');
  if (parts.length > MAX_STAGES) return { problems: [`--stages has ${parts.length} stages; at most ${MAX_STAGES}`] };
  const problems: string[] = [];
  const stages: LoadStage[] = [];
  parts.forEach((part, index) => {
    const stage = readStage(part, `--stages: stage ${index + 1} ("${part.trim()}")`, problems);
    if (stage) stages.push(stage);
  });
  if (problems.length > 0) return { problems };
  if (stages.every((stage) => stage.rate === 0)) return { problems: ['--stages: every stage has rate 0, so nothing would be sent'] };
  let plan: StagePlan;
  try {
    plan = new StagePlan(stages, repeat);
  } catch (error) {
    if (error instanceof StagePlanError) return { problems: [`--stages: ${error.message}`] };
    throw error;
  }
  // The nth request is due when the integral reaches n: below 1 a pass sends nothing.
  if (!Number.isFinite(plan.cycleRequests)) return { problems: ['--stages: these stages integrate to more requests than can be counted; shorten them'] };
  if (plan.totalRequests < 1) return { problems: [`--stages: these stages integrate to ${Number(plan.cycleRequests.toPrecision(3))} requests; nothing would be sent`] };
  return { plan };
}

/** One DURATION:RATE pair, or undefined after adding its problems. */
function readStage(part: string, where: string, problems: string[]): LoadStage | undefined {
  const colon = part.indexOf(':');
  if (colon < 0) {
    problems.push(`${where} needs DURATION:RATE, e.g. 30s:100`);
    return undefined;
  }
  const durationText = part.slice(0, colon);
  const rateText = part.slice(colon + 1).trim().replace(/\/s$/, '');
  const durationS = durationSeconds(durationText);
  const rate = rateText === '' ? NaN : Number(rateText);
  const durationOk = durationS !== undefined && durationS >= MIN_STAGE_S && Number.isFinite(durationS);
  const rateOk = Number.isFinite(rate) && rate >= 0 && rate <= MAX_RPS;
  if (!durationOk) problems.push(`${where}: the duration must be a time of at least 1 ms such as 30, 30s or 2m, not "${durationText.trim()}"`);
  if (!rateOk) problems.push(`${where}: the rate must be a number of requests per second from 0 to ${MAX_RPS}, not "${rateText}"`);
  return durationOk && rateOk ? { durationS, rate } : undefined;
}
