/**
 * The standard normal distribution's density, CDF and inverse CDF, accurate to about double
 * precision. Latency models need them for the Normal and LogNormal distributions' exact quantiles
 * and means (and `predict` needs them to state what a config should do), without a maths library.
 */

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export function normalDensity(z: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * z * z);
}

/** P(Z ≤ z). */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z === Infinity) return 1;
  if (z === -Infinity) return 0;
  const tail = upperTail(Math.abs(z));
  return z >= 0 ? 1 - tail : tail;
}

/** P(Z > x) for x ≥ 0, computed without subtracting from 1 so that tiny tails keep their digits. */
function upperTail(x: number): number {
  if (x < 3) {
    // Φ(x) − ½ = φ(x) · Σ x^(2n+1) / (1·3·5···(2n+1)): every term is positive, so no digits cancel.
    let term = x;
    let sum = x;
    for (let n = 1; n < 500 && term > 1e-17 * sum; n++) {
      term *= (x * x) / (2 * n + 1);
      sum += term;
    }
    return 0.5 - normalDensity(x) * sum;
  }
  if (x > 40) return 0;
  // Laplace's continued fraction, Q(x) = φ(x) / (x + 1/(x + 2/(x + 3/(x + …)))), which converges
  // fast for x ≥ 3; evaluated from the bottom up.
  let fraction = x;
  for (let k = 60; k >= 1; k--) fraction = x + k / fraction;
  return normalDensity(x) / fraction;
}

/** The z with P(Z ≤ z) = p; −Infinity at 0 and +Infinity at 1. */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p > 0.5) return -normalQuantile(1 - p);
  // A coarse start (a textbook rational approximation, good to ~4e-4), then Newton steps on the
  // accurate CDF, which double the correct digits each time.
  const t = Math.sqrt(-2 * Math.log(p));
  let z = -(t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t));
  for (let i = 0; i < 6; i++) {
    const density = normalDensity(z);
    if (density === 0) break;
    const step = (normalCdf(z) - p) / density;
    z -= step;
    if (Math.abs(step) < 1e-15 * Math.max(1, Math.abs(z))) break;
  }
  return z;
}
