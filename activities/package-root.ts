import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The folder holding countersign's package.json, found by walking up from `from`: the same code
 * runs as TypeScript source and compiled into dist/, one folder deeper, so a fixed number of `..`
 * would point at the wrong place in one of them.
 */
export function packageRootFrom(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'countersign'
    )
      return dir;
    if (path.dirname(dir) === dir) throw new Error(`no countersign package.json above ${from}`);
  }
}

export const packageRoot = packageRootFrom(__dirname);
