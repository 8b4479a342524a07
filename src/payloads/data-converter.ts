import type { DataConverter } from '@temporalio/common';

/**
 * The data converter every countersign worker, workflow bundle, replayer and client uses: the
 * tolerant payload converter, so no payload from any channel can throw inside a workflow task or
 * break a listing.
 */
export const payloadConverterPath = require.resolve('./payload-converter');
export const dataConverter: DataConverter = { payloadConverterPath };
