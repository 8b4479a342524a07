import { createHash, randomBytes } from 'node:crypto';
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

interface Entry {
  readonly key: string;
  readonly policy: Policy;
  readonly hash: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Covers everything the parse depends on: the build, the location and every file's name and bytes. */
function keyOf(files: readonly PolicyFile[], source: string, buildId: string): string {
  return sha256(JSON.stringify(['parsed-policy/1', buildId, source, files.map((f) => [f.name, f.text])]));
}

/**
 * An entry is its JSON after a line with that JSON's SHA-256: a damaged or cut-off entry is parsed
 * again, and checking it costs a native hash of its bytes (~1 ms) where hashing the policy again
 * in canonical form took ~8 ms from a cold start. The JSON is what the parse gave, byte for byte
 * (a policy is kept only when JSON carries it whole), so its recorded hash still holds.
 */
function serialize(entry: Entry): string {
  const json = JSON.stringify(entry);
  return `${sha256(json)}\n${json}`;
}

async function readEntry(file: string, key: string): Promise<Entry | undefined> {
  try {
    const text = await readFile(file, 'utf8');
    const newline = text.indexOf('\n');
    const json = text.slice(newline + 1);
    if (newline !== 64 || text.slice(0, newline) !== sha256(json)) return undefined;
    const entry = JSON.parse(json) as Partial<Entry> | null;
    if (entry?.key !== key || entry.policy === undefined || typeof entry.hash !== 'string') return undefined;
    return entry as Entry;
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

async function writeEntry(file: string, entry: Entry): Promise<void> {
  // A fresh name, created exclusively: never another file, never through a link.
  const partial = `${file}.${randomBytes(8).toString('hex')}.tmp`;
  try {
    await writeFile(partial, serialize(entry), { mode: 0o644, flag: 'wx' });
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
  const key = keyOf(files, source, cache.buildId);
  const file = path.join(cache.dir, `${sha256(source)}.json`);
  const hit = await readEntry(file, key);
  if (hit !== undefined) return { ok: true, loaded: { policy: hit.policy, hash: hit.hash, source } };
  const parsed = parsePolicy(files, source);
  // Kept only when JSON carries it whole (the hash is over what a later run would read back).
  if (parsed.ok && hashOf(JSON.parse(JSON.stringify(parsed.loaded.policy))) === parsed.loaded.hash)
    await writeEntry(file, { key, policy: parsed.loaded.policy, hash: parsed.loaded.hash });
  return parsed;
}
