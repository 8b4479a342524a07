import { lstat, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PolicyFile, PolicyParse } from '../../src/policy/policy-issue';
import { parsePolicy } from './lazy-parse';
import type { Policy } from '../../src/policy/policy-schema';
import { hashOf } from '../../src/hash';

/**
 * Where a command keeps the policies it parsed: a directory its build made (the build empties it)
 * and the build's fingerprint, so a policy parsed by other code is never taken.
 */
export interface ParsedPolicyCache {
  readonly dir: string;
  readonly buildId: string;
}

export interface ParsedPolicyEntry {
  readonly format: typeof entryFormat;
  readonly buildId: string;
  readonly source: string;
  /** Every file's name and bytes, as parsed: an entry is taken only for exactly these. */
  readonly files: readonly (readonly [string, string])[];
  readonly policy: Policy;
  readonly hash: string;
}

const entryFormat = 'parsed-policy/2';

/**
 * FNV-1a (32 bits) over the UTF-16 code units, hex: names an entry's file and checks it for
 * damage. Not a defence against anyone (the folder's ownership is that, see `trustworthy`), and
 * an entry is compared with the files field by field before it is taken, so a collision costs a
 * parse, never a wrong policy. Node's own hashes would load node:crypto, ~3 ms of each command.
 */
export function checksumOf(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * An entry is its JSON after a line with that JSON's checksum and length: a damaged or cut-off
 * entry is parsed again. The JSON is what the parse gave, byte for byte (a policy is kept only
 * when JSON carries it whole), so its recorded hash still holds.
 */
export function entryText(entry: ParsedPolicyEntry): string {
  const json = JSON.stringify(entry);
  return `${checksumOf(json)} ${json.length}\n${json}`;
}

function sameFiles(a: ParsedPolicyEntry['files'], b: readonly PolicyFile[]): boolean {
  return a.length === b.length && a.every(([name, text], i) => b[i]?.name === name && b[i]?.text === text);
}

async function readEntry(
  file: string,
  files: readonly PolicyFile[],
  source: string,
  buildId: string,
): Promise<ParsedPolicyEntry | undefined> {
  try {
    const text = await readFile(file, 'utf8');
    const newline = text.indexOf('\n');
    const json = text.slice(newline + 1);
    if (text.slice(0, newline) !== `${checksumOf(json)} ${json.length}`) return undefined;
    const entry = JSON.parse(json) as Partial<ParsedPolicyEntry> | null;
    if (
      entry?.format !== entryFormat ||
      entry.buildId !== buildId ||
      entry.source !== source ||
      !Array.isArray(entry.files) ||
      !sameFiles(entry.files, files) ||
      entry.policy === undefined ||
      typeof entry.hash !== 'string'
    )
      return undefined;
    return entry as ParsedPolicyEntry;
  } catch {
    return undefined;
  }
}

/** Entries kept per folder; the least recently written go first (one per policy location). */
const maxEntries = 64;

/**
 * Whether the folder may be used: one the build made (never made here), a real directory, owned
 * by whoever runs the command and writable by nobody else. An entry there is then as trusted as
 * the compiled code beside it; anything else (another user's checkout, a loose mode, a link) is
 * not used, and the policy is parsed as if there were no cache.
 */
async function trustworthy(dir: string): Promise<boolean> {
  const info = await lstat(dir).catch(() => undefined);
  if (info === undefined || !info.isDirectory() || (info.mode & 0o022) !== 0) return false;
  return process.getuid === undefined || info.uid === process.getuid();
}

let partialWrites = 0;

async function writeEntry(file: string, entry: ParsedPolicyEntry): Promise<void> {
  // A fresh name, created exclusively: never another file, never through a link.
  partialWrites += 1;
  const partial = `${file}.${process.pid}.${Date.now()}.${partialWrites}.tmp`;
  try {
    await writeFile(partial, entryText(entry), { mode: 0o644, flag: 'wx' });
    await rename(partial, file);
  } catch {
    // A read-only install parses at every run, only slower.
    await unlink(partial).catch(() => undefined);
    return;
  }
  await prune(path.dirname(file));
}

async function prune(dir: string): Promise<void> {
  const names = (await readdir(dir).catch(() => [])).filter((n) => n.endsWith('.json'));
  if (names.length <= maxEntries) return;
  const aged = await Promise.all(
    names.map(async (n) => ({ n, at: (await stat(path.join(dir, n)).catch(() => undefined))?.mtimeMs ?? 0 })),
  );
  aged.sort((a, b) => a.at - b.at);
  await Promise.all(
    aged.slice(0, names.length - maxEntries).map((e) => unlink(path.join(dir, e.n)).catch(() => undefined)),
  );
}

/**
 * parsePolicy, remembered: a command that runs again on the same policy files reads the parsed
 * policy (~1 ms) instead of parsing the YAML and checking the schema (~35 ms from a cold start).
 * Only a valid policy is kept; an invalid one is parsed each time, so its issues keep their lines.
 * One entry per location, replaced when the files change; at most 64 locations.
 */
export async function parsePolicyCached(
  files: readonly PolicyFile[],
  source: string,
  cache: ParsedPolicyCache,
): Promise<PolicyParse> {
  if (!(await trustworthy(cache.dir))) return parsePolicy(files, source);
  const file = path.join(cache.dir, `${checksumOf(source)}.json`);
  const hit = await readEntry(file, files, source, cache.buildId);
  if (hit !== undefined) return { ok: true, loaded: { policy: hit.policy, hash: hit.hash, source } };
  const parsed = parsePolicy(files, source);
  // Kept only when JSON carries it whole (the hash is over what a later run would read back).
  if (parsed.ok && hashOf(JSON.parse(JSON.stringify(parsed.loaded.policy))) === parsed.loaded.hash)
    await writeEntry(file, {
      format: entryFormat,
      buildId: cache.buildId,
      source,
      files: files.map((f) => [f.name, f.text] as const),
      policy: parsed.loaded.policy,
      hash: parsed.loaded.hash,
    });
  return parsed;
}
