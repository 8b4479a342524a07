import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * What made a data folder: bump `layout` whenever what countersign keeps on disk changes shape
 * (server database schema, file names, workflow histories that today's code cannot replay).
 */
export const DataStamp = z.object({ layout: z.number().int(), temporal: z.string() });
export type DataStamp = z.infer<typeof DataStamp>;

export const currentLayout = 1;
const stampFile = 'countersign-data.json';

/** Why a data folder cannot be reused, or null when it can (empty, or made by this version). */
export function staleReason(found: unknown, folderHasData: boolean, wanted: DataStamp): string | null {
  if (!folderHasData) return null;
  if (found === undefined) return 'it was made by an older countersign, which did not label its data';
  const parsed = DataStamp.safeParse(found);
  if (!parsed.success) return `its label ${stampFile} is unreadable`;
  if (parsed.data.layout !== wanted.layout)
    return `it has data layout ${parsed.data.layout}, and this countersign uses layout ${wanted.layout}`;
  if (parsed.data.temporal !== wanted.temporal)
    return `it was written by Temporal ${parsed.data.temporal}, and this run uses ${wanted.temporal}`;
  return null;
}

function readStamp(file: string): unknown {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

/**
 * Makes `dir` ready for this version. A folder left by another version (old server databases,
 * histories today's workflow code may not replay) is moved aside, never deleted, and the returned
 * note says where; a fresh or current folder is kept as it is.
 */
export function prepareDataDir(
  dir: string,
  wanted: DataStamp,
  now = new Date(),
): { movedTo?: string; reason?: string } {
  const file = path.join(dir, stampFile);
  const hasData = existsSync(dir) && readdirSync(dir).some((entry) => entry !== stampFile);
  const reason = staleReason(readStamp(file), hasData, wanted);
  let movedTo: string | undefined;
  if (reason !== null) {
    movedTo = `${dir}.old-${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}`;
    renameSync(dir, movedTo);
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(wanted)}\n`);
  return reason === null ? {} : { movedTo, reason };
}
