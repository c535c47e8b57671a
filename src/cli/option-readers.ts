import type { GrpcMethod } from '../engine';
import { parseTargetAddress, TargetAddressError, type TargetAddress } from '../traffic';

/**
 * How the commands read their options' values: each reader gives the typed value or a Refusal
 * that says what is wrong, which the flag table puts after the option's name.
 */

/**
 * What is wrong with an option's value: the rest of a sentence that starts with the option as
 * the user wrote it (`--rate` + `must be a number … (got "fast")`).
 */
export class Refusal {
  constructor(readonly problem: string) {}
}

/** Turns the text of an option into its typed value, or refuses it. */
export type ValueReader<T> = (text: string) => T | Refusal;

/** A reader from a parser that answers undefined for what it does not take, and what to say then. */
export function readerOf<T>(parse: (text: string) => T | undefined, problem: (text: string) => string): ValueReader<T> {
  return (text) => {
    const value = parse(text);
    return value === undefined ? new Refusal(problem(text)) : value;
  };
}

/** The usual refusal: `--port must be a whole number from 0 to 65535 (got "http")`. */
export function mustBe<T>(what: string, parse: (text: string) => T | undefined): ValueReader<T> {
  return readerOf(parse, (text) => `must be ${what} (got "${text}")`);
}

/** A duration in seconds, above 0 (`30`, `30s`, `1.5m`, `500ms`): common/'s, which topology files read too. */
export { durationSeconds } from '../common';

/** Requests per second, above 0: `200`, `200/s`, `1.5/s`. */
export function ratePerSecond(text: string): number | undefined {
  const value = numberIn(text.trim().replace(/\/s$/, ''));
  return value !== undefined && value > 0 ? value : undefined;
}

/** A whole number from `minimum` to `maximum`; a blank text is none (not 0). */
export const wholeNumber =
  (minimum: number, maximum = Infinity) =>
  (text: string): number | undefined => {
    const value = numberIn(text);
    return value !== undefined && Number.isInteger(value) && value >= minimum && value <= maximum ? value : undefined;
  };

/** Any number from `minimum` up; a blank text is none (not 0). */
export const numberFrom =
  (minimum: number) =>
  (text: string): number | undefined => {
    const value = numberIn(text);
    return value !== undefined && value >= minimum ? value : undefined;
  };

/** The finite number a text spells, or undefined; blank is none (Number('') would be 0). */
function numberIn(text: string): number | undefined {
  const value = Number(text);
  return text.trim() !== '' && Number.isFinite(value) ? value : undefined;
}

/** One of a few words, as given (`info`), or undefined. */
export const oneOf =
  <W extends string>(words: readonly W[]) =>
  (text: string): W | undefined =>
    (words as readonly string[]).includes(text) ? (text as W) : undefined;

/** A gRPC method of the Thespian service, in either case: `a` is A. */
export function grpcMethod(text: string): GrpcMethod | undefined {
  return oneOf(['A', 'B', 'C'] as const)(text.toUpperCase());
}

/**
 * An http:// or https:// address with the scheme filled in where left out (`localhost:3200`) and
 * no trailing slash, or undefined.
 */
export function httpAddress(text: string): string | undefined {
  const trimmed = text.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  try {
    const url = new URL(withScheme);
    return url.protocol === 'http:' || url.protocol === 'https:' ? withScheme.replace(/\/+$/, '') : undefined;
  } catch {
    return undefined;
  }
}

/** A share: `0.01`, or a percentage `1%`; from 0 to 1. */
export function fraction(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(%?)\s*$/.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]) / (match[2] ? 100 : 1);
  return value >= 0 && value <= 1 ? value : undefined;
}

/** A name that is not empty: `--json needs a file name` (or what `problem` says) when it is. */
export function nonEmpty(problem: string): ValueReader<string> {
  return (text) => (text === '' ? new Refusal(problem) : text);
}

/** How an option that writes the command's one product (generate's topology, schema's JSON Schema) spells stdout. */
export const STDOUT = '-';

/**
 * A file (or folder) written beside what the command itself prints on stdout: up's span lines
 * and summary, load's and verify's results. A lone `-` is refused rather than taken for stdout,
 * which `stdoutCarries` already; and a file named "-" is never what was meant.
 */
export function besideStdout(what: string, stdoutCarries: string): ValueReader<string> {
  return (text) => {
    if (text === '') return new Refusal(`needs a ${what}`);
    if (text === STDOUT) return new Refusal(`needs a ${what}: "-" is not stdout here, as stdout carries ${stdoutCarries}`);
    return text;
  };
}

/** HOST:PORT, a bare PORT, or an http(s):// address; refused with the address reader's own words. */
export const targetAddress: ValueReader<TargetAddress> = (text) => {
  try {
    return parseTargetAddress(text);
  } catch (error) {
    if (error instanceof TargetAddressError) return new Refusal(error.message);
    throw error;
  }
};

/** SERVICE=HOST:PORT (`verify --target`, `chaos run --target`), as a [service, address] pair; the service is checked against the topology by the command. */
export const serviceTarget: ValueReader<[string, TargetAddress]> = (text) => {
  const match = /^([^=]+)=(.+)$/.exec(text);
  if (!match) return new Refusal(`must be SERVICE=HOST:PORT (got "${text}")`);
  const address = targetAddress(match[2]);
  return address instanceof Refusal ? address : [match[1].trim(), address];
};
