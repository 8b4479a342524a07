/**
 * TXT data in presentation format: a sequence of quoted character-strings of at most 255 bytes.
 * Canonical form: each string quoted, `"` and `\` escaped, other bytes outside printable ASCII as
 * `\DDD`, strings separated by one space. Input that does not start with a quote is plain text
 * and is split into 255-byte strings.
 */

export const maxTxtBytes = 2048;
const maxStringBytes = 255;

function utf8(text: string): number[] {
  return Array.from(new TextEncoder().encode(text));
}

function quote(bytes: readonly number[]): string {
  let out = '"';
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b < 0x20 || b > 0x7e) out += `\\${String(b).padStart(3, '0')}`;
    else out += String.fromCharCode(b);
  }
  return `${out}"`;
}

export function formatCharacterStrings(strings: readonly (readonly number[])[]): string {
  return strings.map(quote).join(' ');
}

/** Parses quoted presentation format into byte strings, or returns a problem description. */
export function parseCharacterStrings(input: string): number[][] | string {
  const strings: number[][] = [];
  let i = 0;
  const bytes = utf8(input);
  while (i < bytes.length) {
    if (bytes[i] === 0x20 || bytes[i] === 0x09) {
      i += 1;
      continue;
    }
    if (bytes[i] !== 0x22) return 'text outside quotes: quote every string or give plain unquoted text';
    i += 1;
    const current: number[] = [];
    let closed = false;
    while (i < bytes.length) {
      const b = bytes[i] as number;
      if (b === 0x22) {
        closed = true;
        i += 1;
        break;
      }
      if (b === 0x5c) {
        const digits = String.fromCharCode(...bytes.slice(i + 1, i + 4));
        if (/^\d{3}$/.test(digits)) {
          const value = Number(digits);
          if (value > 255) return `escape \\${digits} is not a byte`;
          current.push(value);
          i += 4;
        } else if (i + 1 < bytes.length) {
          current.push(bytes[i + 1] as number);
          i += 2;
        } else {
          return 'dangling backslash';
        }
        continue;
      }
      current.push(b);
      i += 1;
    }
    if (!closed) return 'unterminated quoted string';
    if (current.length > maxStringBytes) return `a quoted string is longer than ${maxStringBytes} bytes`;
    strings.push(current);
  }
  if (strings.length === 0) return 'no strings';
  return strings;
}

export function splitPlainText(text: string): number[][] {
  const bytes = utf8(text);
  const strings: number[][] = [];
  for (let i = 0; i < bytes.length; i += maxStringBytes) strings.push(bytes.slice(i, i + maxStringBytes));
  return strings.length === 0 ? [[]] : strings;
}

export function totalBytes(strings: readonly (readonly number[])[]): number {
  return strings.reduce((sum, s) => sum + s.length, 0);
}
