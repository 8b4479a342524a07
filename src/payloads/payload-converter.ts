import type { Payload, PayloadConverter, SerializationContext } from '@temporalio/common';
import { METADATA_ENCODING_KEY, defaultPayloadConverter } from '@temporalio/common';
import { decode } from '@temporalio/common/lib/encoding';
import type { UndecodablePayload } from './undecodable';
import { maxNestingDepth, nestingDepth } from './undecodable';

/**
 * The data converter of every countersign worker and client. Encoding is Temporal's default;
 * decoding never throws. A payload with an unknown or mismatched encoding, malformed data or
 * hostile nesting becomes an {@link UndecodablePayload} value: the message that carried it is
 * refused and recorded by its handler, and the workflow task goes on. (The SDK's own converter
 * throws there, which fails every workflow task of the change until it is deleted.)
 */
export class TolerantPayloadConverter implements PayloadConverter {
  toPayload<T>(value: T, context?: SerializationContext): Payload {
    return defaultPayloadConverter.toPayload(value, context);
  }

  fromPayload<T>(payload: Payload, context?: SerializationContext): T {
    const bytes = payload.data?.length ?? 0;
    const raw = payload.metadata?.[METADATA_ENCODING_KEY];
    const encoding = raw === undefined || raw === null ? '' : safeText(raw).slice(0, 64);
    const refuse = (reason: UndecodablePayload['countersignUndecodable']['reason'], detail: string): T =>
      ({ countersignUndecodable: { encoding, bytes, reason, detail } }) satisfies UndecodablePayload as T;
    if (payload.metadata === undefined || payload.metadata === null || raw === undefined || raw === null)
      return refuse('missing_metadata', 'the payload has no encoding metadata');
    let value: T;
    try {
      value = defaultPayloadConverter.fromPayload<T>(payload, context);
    } catch (err) {
      // Only the kind of error: a parser's message can quote the data, and the data can hold a secret.
      return err instanceof Error && /^Unknown encoding/.test(err.message)
        ? refuse('unknown_encoding', `encoding "${encoding}" is not one countersign reads; send json/plain`)
        : refuse('malformed_data', `the data is not valid ${encoding}`);
    }
    if (nestingDepth(value) > maxNestingDepth)
      return refuse('too_deep', `nested deeper than ${maxNestingDepth} levels`);
    return value;
  }
}

function safeText(bytes: Uint8Array): string {
  try {
    return decode(bytes);
  } catch {
    return '(not text)';
  }
}

/** Loaded by `payloadConverterPath` in workers, workflow bundles and clients. */
export const payloadConverter = new TolerantPayloadConverter();
