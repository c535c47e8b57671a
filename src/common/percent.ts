/** Three significant digits tell 7.83% from 7.84% and 0.125% from 0.12%; more would be noise. */
const SIGNIFICANT_DIGITS = 3;
/** A double is told apart from its neighbours by 17 significant digits; more never help. */
const MAX_SIGNIFICANT_DIGITS = 17;

/**
 * A fraction as a percentage, for probabilities and shares alike: 0.0783 → "7.83%", 0.2 →
 * "20.0%", 0.00125 → "0.125%". Three significant digits, trailing zeros kept, so every figure
 * says how closely it was worked out. "0%" and "100%" mean exactly none and all: a fraction
 * just short of 1 gets the digits it needs not to read as all (0.9996 → "99.96%"), and a small
 * one keeps its three digits however small (0.000004 → "0.000400%"), so it never reads as none.
 */
export function formatPercent(fraction: number): string {
  const value = fraction * 100;
  if (fraction === 0 || fraction === 1 || !Number.isFinite(value)) return `${value}%`;
  let text = significant(value, SIGNIFICANT_DIGITS);
  for (let digits = SIGNIFICANT_DIGITS + 1; Number(text) === 100 && digits <= MAX_SIGNIFICANT_DIGITS; digits++) {
    text = significant(value, digits);
  }
  return `${text}%`;
}

function significant(value: number, digits: number): string {
  const text = value.toPrecision(digits);
  if (!text.includes('e')) return text;
  // toPrecision writes an exponent below 1e-6 and from 10^digits up; a percentage is read written out.
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(Math.abs(value))));
  return value.toFixed(Math.min(100, decimals));
}
