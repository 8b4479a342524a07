import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PreconditionError } from '../preflight/precondition-error';
import { packageRoot } from '../../activities/package-root';

const root = packageRoot;

/** Runs an install script; its own progress and its one-paragraph error go straight to stderr. */
export function runInstallScript(script: string): string {
  const result = spawnSync('bash', [path.join(root, 'scripts', script)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (result.error !== undefined)
    throw new PreconditionError(`could not run scripts/${script}: ${result.error.message}`);
  // The script has already said what failed and what to do; nothing more to add.
  if (result.status !== 0) throw new PreconditionError(`scripts/${script} failed`, true);
  return result.stdout;
}

/**
 * Makes sure the real servers exist: installs PowerDNS from Debian packages and builds the pinned
 * Temporal CLI (or uses COUNTERSIGN_TEMPORAL_BIN) and the S3 server. Returns the temporal binary;
 * the S3 server is found again, built, by startS3Server.
 */
export function ensureInstalled(): { temporalBin: string } {
  ensureS3Installed();
  runInstallScript('install-pdns.sh');
  const override = process.env.COUNTERSIGN_TEMPORAL_BIN;
  if (override !== undefined && override !== '') {
    if (!existsSync(override))
      throw new PreconditionError(
        `COUNTERSIGN_TEMPORAL_BIN points to ${override}, which does not exist. Point it at a Temporal CLI ` +
          `binary, or unset it to build the pinned one into .tools/bin.`,
      );
    return { temporalBin: override };
  }
  const out = runInstallScript('install-temporal.sh');
  return { temporalBin: out.trim().split('\n').pop() ?? '' };
}

/** "Server 1.29.1" from `temporal --version`: what the dev server's database was written by. */
export function temporalServerVersion(temporalBin: string): string {
  const out = execFileSync(temporalBin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return /\(Server ([^,)]+)/.exec(out)?.[1] ?? out.trim();
}

/**
 * The versitygw binary: COUNTERSIGN_S3_BIN, or the pinned one scripts/install-s3.sh builds into
 * .tools/bin (the script prints its own progress and, on failure, what to do).
 */
export function ensureS3Installed(): string {
  const override = process.env.COUNTERSIGN_S3_BIN;
  if (override !== undefined && override !== '') {
    if (!existsSync(override))
      throw new PreconditionError(
        `COUNTERSIGN_S3_BIN points to ${override}, which does not exist. Point it at a versitygw ` +
          `binary, or unset it to build the pinned one into .tools/bin.`,
      );
    return override;
  }
  return runInstallScript('install-s3.sh').trim().split('\n').pop() ?? '';
}

export const projectRoot = root;
