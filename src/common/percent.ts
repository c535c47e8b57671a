/**
 * A fraction as a percentage, for probabilities and shares alike: hundredths of a percent
 * below 10% (0.0783 → "7.83%", 0.001 → "0.10%"), tenths from 10% (0.2 → "20.0%"), and two
 * significant digits below 0.1% (0.0005 → "0.050%"), so a small share never reads as none.
 * Trailing zeros are kept: each figure says how closely it is given. "0%" and "100%" mean
 * exactly none and all; a fraction just short of 1 gets the digits it needs not to read as
 * all (0.9996 → "99.96%").
 */
export function formatPercent(fraction: number): string {
  const value = fraction * 100;
  if (fraction === 0 || fraction === 1 || !Number.isFinite(value)) return `${value}%`;
  if (Math.abs(value) < 0.1) return `${twoSignificantDigits(value)}%`;
  let decimals = Math.abs(value) >= 10 ? 1 : 2;
  let text = value.toFixed(decimals);
  // toFixed goes up to 100 decimals; 20 tell any double short of 100 from 100.
  while (Number(text) === 100 && decimals < 20) text = value.toFixed(++decimals);
  return `${text}%`;
}

function twoSignificantDigits(value: number): string {
  const text = value.toPrecision(2);
  if (!text.includes('e')) return text;
  // toPrecision writes an exponent below 1e-6; a percentage is read written out.
  return value.toFixed(Math.min(100, 1 - Math.floor(Math.log10(Math.abs(value)))));
}
