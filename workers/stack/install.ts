import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

/**
 * Makes sure the real servers exist: builds the pinned Temporal CLI (or uses
 * COUNTERSIGN_TEMPORAL_BIN) and installs PowerDNS from Debian packages. Returns the temporal binary.
 */
export function ensureInstalled(): { temporalBin: string } {
  execFileSync('bash', [path.join(root, 'scripts', 'install-pdns.sh')], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const override = process.env.COUNTERSIGN_TEMPORAL_BIN;
  if (override !== undefined && override !== '') {
    if (!existsSync(override))
      throw new Error(`COUNTERSIGN_TEMPORAL_BIN points to ${override}, which does not exist`);
    return { temporalBin: override };
  }
  const out = execFileSync('bash', [path.join(root, 'scripts', 'install-temporal.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return { temporalBin: out.toString().trim().split('\n').pop() ?? '' };
}

export const projectRoot = root;
