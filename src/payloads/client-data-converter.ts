import { defaultFailureConverter } from '@temporalio/common';
import type { LoadedDataConverter } from '@temporalio/common';
import { payloadConverter } from './payload-converter';

/**
 * The data converter of `data-converter.ts`, already loaded: the same tolerant payload converter,
 * handed to the client as an object instead of a path it requires. The command runs bundled into
 * one file (bin/build.js), where a path found with require.resolve would point nowhere; workers
 * and replayers still need the path (their workflow bundles load it by file).
 */
export const clientDataConverter: LoadedDataConverter = {
  payloadConverter,
  failureConverter: defaultFailureConverter,
  payloadCodecs: [],
};
