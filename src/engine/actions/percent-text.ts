/** A probability as a percentage with three significant digits, trailing zeros dropped: 0.1 → "10%", 0.00125 → "0.125%". */
export function percentText(p: number): string {
  return `${+(p * 100).toPrecision(3)}%`;
}
