import type { RequestRecord } from '../traffic';
import type { EndpointPrediction } from '../predict';
import type { RateComparison } from './verify-result';
import { wilsonInterval } from './wilson';

/**
 * How many of `records` failed, with the 95% Wilson interval of that rate, against the mean of
 * their predicted failure probabilities (each request by its own prediction, so that entry
 * points of different rates mix as they were sent).
 */
export function compareRate(label: string, records: readonly RequestRecord[], predictionOf: (record: RequestRecord) => EndpointPrediction): RateComparison {
  const failed = records.filter((record) => record.status !== 'OK').length;
  const n = records.length;
  const predicted = n === 0 ? 0 : records.reduce((sum, record) => sum + predictionOf(record).failure.probability, 0) / n;
  const { low, high } = wilsonInterval(failed, n);
  return {
    endpoint: label,
    requests: n,
    failed,
    observed: n === 0 ? 0 : failed / n,
    low,
    high,
    predicted,
    predictedExact: records.every((record) => predictionOf(record).failure.exact),
    // A hair of slack for rounding: a prediction of exactly 0 with 0 failures is inside.
    consistent: predicted >= low - 1e-12 && predicted <= high + 1e-12,
  };
}
