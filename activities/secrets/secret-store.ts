import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../../src/failures';

/**
 * Secrets a change refers to by name (a transfer's auth code), resolved on the worker at the moment
 * they are sent, so they never enter a workflow's history, a log or the evidence.
 */
export type SecretStore = (ref: string) => Promise<string>;

const refPattern = /^[a-z0-9][a-z0-9._/-]{0,127}$/;

/** One file per secret under `dir` (`transfer/shop.example` → `<dir>/transfer/shop.example`). */
export function fileSecretStore(dir: string | undefined): SecretStore {
  return async (ref) => {
    if (!refPattern.test(ref) || ref.split('/').includes('..'))
      throw ApplicationFailure.create({
        type: FailureType.SecretUnavailable,
        message: `secret name "${ref}" is not valid: lowercase letters, digits, ".", "_", "/" or "-", no ".." segment`,
        nonRetryable: true,
      });
    if (dir === undefined)
      throw ApplicationFailure.create({
        type: FailureType.SecretUnavailable,
        message: `the change needs secret "${ref}", but this worker has no secret store (set COUNTERSIGN_SECRETS_DIR to a folder with one file per secret)`,
        nonRetryable: true,
      });
    try {
      const value = (await readFile(path.join(dir, ref), 'utf8')).trim();
      if (value === '') throw new Error('the file is empty');
      return value;
    } catch (err) {
      throw ApplicationFailure.create({
        type: FailureType.SecretUnavailable,
        message: `secret "${ref}" could not be read from the worker's secret store (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); put it in <COUNTERSIGN_SECRETS_DIR>/${ref} and submit the change again`,
        nonRetryable: true,
      });
    }
  };
}
