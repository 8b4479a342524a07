import { createHash, randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { appendFile, chmod, link, mkdir, readFile, readdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EvidenceStore } from './evidence-store';
import { EvidenceConflictError, isStoreKey, sameBytes } from './evidence-store';

/**
 * The fallback when no bucket is configured: a folder where each object is created exclusively
 * (written to a temporary file, then hard-linked into place, which fails if the name exists),
 * made read-only, and listed in `manifest.jsonl` with its SHA-256. It stops this program from
 * replacing anything; it does not stop the folder's owner or root from editing or deleting files:
 * the signed ledger makes that detectable, an Object Lock bucket makes it impossible.
 */
export function folderStore(root: string): EvidenceStore {
  const fileOf = (key: string) => {
    if (!isStoreKey(key)) throw new Error(`not a store key: ${JSON.stringify(key)}`);
    return path.join(root, ...key.split('/'));
  };
  const get = async (key: string) => {
    try {
      return new Uint8Array(await readFile(fileOf(key)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  };
  return {
    description: `write-once folder ${root} (files created exclusively and read-only; not protected from the folder's owner)`,
    get,
    async putOnce(key, bytes) {
      const file = fileOf(key);
      await mkdir(path.dirname(file), { recursive: true });
      const temp = `${file}.${process.pid}.${randomUUID()}.partial`;
      await writeFile(temp, bytes, { flag: 'wx', mode: 0o444 });
      try {
        await link(temp, file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const existing = await get(key);
        if (existing !== undefined && sameBytes(existing, bytes)) return 'identical';
        throw new EvidenceConflictError(key);
      } finally {
        await unlink(temp).catch(() => undefined);
      }
      await chmod(file, 0o444);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      await appendFile(
        path.join(root, 'manifest.jsonl'),
        `${JSON.stringify({ key, sha256, bytes: bytes.byteLength, at: new Date().toISOString() })}\n`,
      );
      return 'created';
    },
    async list(prefix) {
      const keys: string[] = [];
      const walk = async (dir: string, keyPrefix: string): Promise<void> => {
        let entries: Dirent[];
        try {
          entries = await readdir(dir, { withFileTypes: true });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
          throw err;
        }
        for (const entry of entries) {
          if (entry.name.endsWith('.partial')) continue;
          const key = `${keyPrefix}${entry.name}`;
          if (entry.isDirectory()) await walk(path.join(dir, entry.name), `${key}/`);
          else keys.push(key);
        }
      };
      const base = prefix.replace(/\/$/, '');
      await walk(base === '' ? root : fileOf(base), prefix);
      return keys.sort();
    },
  };
}
