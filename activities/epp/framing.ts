/**
 * EPP over TCP framing (RFC 5734 §4): each data unit is a 4-byte big-endian total length (the
 * header included) followed by that many bytes of XML. Both the client adapter and the registry
 * test double use this; the independent Perl client checks it from outside.
 */

/** The largest frame either side accepts; a larger header is a protocol error, not an allocation. */
export const maxFrameBytes = 4 * 1024 * 1024;

export function encodeFrame(xml: string): Buffer {
  const body = Buffer.from(xml, 'utf8');
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length + 4, 0);
  return Buffer.concat([header, body]);
}

export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

/** Reassembles frames from a byte stream that may split or join them arbitrarily. */
export class FrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(private readonly limit = maxFrameBytes) {}

  /** Feeds bytes; returns every frame completed by them (XML text). Throws FrameError on a bad header. */
  push(chunk: Buffer): string[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: string[] = [];
    while (this.buffered.length >= 4) {
      const total = this.buffered.readUInt32BE(0);
      if (total < 5 || total > this.limit)
        throw new FrameError(
          `EPP frame header announces ${total} bytes; expected 5 to ${this.limit} (4-byte length, then XML)`,
        );
      if (this.buffered.length < total) break;
      frames.push(this.buffered.subarray(4, total).toString('utf8'));
      this.buffered = this.buffered.subarray(total);
    }
    return frames;
  }
}
