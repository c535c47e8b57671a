import { durationSeconds } from '../common';
import type { LoadStage } from '../traffic';

/** The most stages one list may have: each is counted on its own in the summary. */
export const MAX_STAGES = 1000;

/**
 * Reads `--stages 10s:100,1m:100,10s:0`: comma-separated DURATION:RATE pairs, each stage ramping
 * from the rate before it (0 at the start) to its own. Gives the stages, or one line per
 * problem naming the stage by its position, so a long list's mistake is easy to find.
 */
export function readStageList(text: string): { stages: LoadStage[] } | { problems: string[] } {
  if (text.trim() === '') return { problems: ['--stages is empty; give DURATION:RATE stages separated by commas, e.g. 10s:100,1m:100,10s:0'] };
  const parts = text.split(',');
  if (parts.length > MAX_STAGES) return { problems: [`--stages has ${parts.length} stages; at most ${MAX_STAGES}`] };
  const problems: string[] = [];
  const stages: LoadStage[] = [];
  parts.forEach((part, index) => {
    const where = `--stages: stage ${index + 1} ("${part.trim()}")`;
    const colon = part.indexOf(':');
    if (colon < 0) {
      problems.push(`${where} needs DURATION:RATE, e.g. 30s:100`);
      return;
    }
    const durationText = part.slice(0, colon);
    const rateText = part.slice(colon + 1).trim().replace(/\/s$/, '');
    const durationS = durationSeconds(durationText);
    const rate = rateText === '' ? NaN : Number(rateText);
    if (durationS === undefined) problems.push(`${where}: the duration must be a time > 0 such as 30, 30s or 2m, not "${durationText.trim()}"`);
    if (!Number.isFinite(rate) || rate < 0) problems.push(`${where}: the rate must be a number of requests per second ≥ 0, not "${rateText}"`);
    if (durationS !== undefined && Number.isFinite(rate) && rate >= 0) stages.push({ durationS, rate });
  });
  if (problems.length === 0 && stages.every((stage) => stage.rate === 0)) {
    problems.push('--stages: every stage has rate 0, so nothing would be sent');
  }
  return problems.length > 0 ? { problems } : { stages };
}
