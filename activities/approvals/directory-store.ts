import { readFile } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import { parse } from 'yaml';
import type { ApproverDirectory } from '../../src/approvals/directory';
import { ApproverDirectory as DirectorySchema } from '../../src/approvals/directory';
import { FailureType } from '../../src/failures';
import { formatPath } from '../../src/issues';

export type DirectorySource = () => Promise<ApproverDirectory>;

/** Parses a directory file's text; throws an Error naming the file, the path and the problem. */
export function parseDirectory(text: string, file: string): ApproverDirectory {
  let value: unknown;
  try {
    value = parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const result = DirectorySchema.safeParse(value);
  if (!result.success)
    throw new Error(
      `${file}: ${result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ')}`,
    );
  return result.data;
}

/**
 * Reads the approver directory at every verification (reparsing only when it changed), so a
 * removed or demoted approver stops counting for changes already waiting. An unreadable or invalid
 * directory verifies nobody: it fails closed and Temporal retries until it is fixed.
 */
export function createDirectorySource(file: string): DirectorySource {
  let cached: { text: string; directory: ApproverDirectory } | undefined;
  return async () => {
    const text = await readFile(file, 'utf8').catch((err: Error) => {
      throw ApplicationFailure.create({
        type: FailureType.DirectoryInvalid,
        message: `approver directory ${file} unreadable: ${err.message}`,
      });
    });
    if (cached?.text === text) return cached.directory;
    try {
      cached = { text, directory: parseDirectory(text, file) };
    } catch (err) {
      throw ApplicationFailure.create({
        type: FailureType.DirectoryInvalid,
        message: `approver directory invalid; nobody can approve until it is fixed: ${(err as Error).message}`,
      });
    }
    return cached.directory;
  };
}
