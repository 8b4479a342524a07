import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A test-only debugging aid, off by default: every frame received and sent, one file each,
 * `<seq>-<in|out>-<command>.xml`, so tests can validate all of them against the IANA schemas
 * with xmllint. The files hold whole frames, secrets included (passwords in <login>, authInfo
 * values): never turn this on for anything but throwaway test credentials. Bytes that were not
 * XML at all are kept as `.txt`, so a directory of `.xml` files is what a client meant as XML.
 */
export class FrameLog {
  private seq: number;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Continue numbering after a restart on the same folder: no file is overwritten.
    this.seq = readdirSync(dir)
      .map((f) => Number(/^(\d+)-/.exec(f)?.[1] ?? 0))
      .reduce((a, b) => Math.max(a, b), 0);
  }

  write(direction: 'in' | 'out', label: string, text: string, extension: 'xml' | 'txt' = 'xml'): void {
    this.seq += 1;
    const file = `${String(this.seq).padStart(6, '0')}-${direction}-${label}.${extension}`;
    writeFileSync(path.join(this.dir, file), text, { mode: 0o600 });
  }
}
