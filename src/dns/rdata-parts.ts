import { nameProblem, toAbsolute } from './names';

/**
 * The small parsers every record type's data is made of, shared by the everyday types and the
 * DNSSEC/service ones.
 */

/** Result of parsing one record's data: its canonical presentation form, or what was expected. */
export type RdataResult = { ok: true; content: string } | { ok: false; expected: string; problem?: string };

export const fail = (expected: string, problem?: string): RdataResult =>
  problem === undefined ? { ok: false, expected } : { ok: false, expected, problem };
export const ok = (content: string): RdataResult => ({ ok: true, content });

export function parseUint(text: string | undefined, max: number): number | undefined {
  if (text === undefined || !/^\d{1,10}$/.test(text)) return undefined;
  const value = Number(text);
  return value <= max ? value : undefined;
}

export function hostname(text: string | undefined, allowRoot: boolean): string | undefined {
  if (text === undefined) return undefined;
  if (allowRoot && text === '.') return '.';
  return nameProblem(text, false) === undefined ? toAbsolute(text) : undefined;
}

export function fields(input: string): string[] {
  return input.trim().split(/\s+/);
}
