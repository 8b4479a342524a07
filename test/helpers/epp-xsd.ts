import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Checks EPP XML against the IANA schemas (RFC 5730-5733, RFC 5910 secDNS-1.1) in
 * test/fixtures/epp-xsd with xmllint (Debian's libxml2-utils, installed by scripts/install-pdns.sh).
 */

export interface XsdVerdict {
  /** The frame's name (validateEppFrames) or its path relative to the directory (validateEppFrameDir). */
  readonly file: string;
  readonly valid: boolean;
  /** xmllint's messages about this frame, with its temporary path replaced by `file`; '' when valid. */
  readonly errors: string;
}

/** Loads all six IANA schemas at once: see test/fixtures/epp-xsd/README.md. */
export const eppSchema = path.join(__dirname, '..', 'fixtures', 'epp-xsd', 'all-epp.xsd');

/** Files per xmllint process: keeps the argument list far below the system's limit. */
const chunkSize = 200;
const timeoutMs = 60_000;

/** Thrown when xmllint could not check the frames at all: not installed, the schema did not compile, timed out. */
export class XmllintError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'XmllintError';
  }
}

interface XmllintRun {
  readonly code: number;
  readonly stderr: string;
}

function runXmllint(files: readonly string[]): Promise<XmllintRun> {
  return new Promise((resolve, reject) => {
    execFile(
      'xmllint',
      ['--noout', '--nonet', '--schema', eppSchema, ...files],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, _stdout, stderr) => {
        if (error === null) return resolve({ code: 0, stderr });
        const code: unknown = error.code;
        if (code === 'ENOENT')
          return reject(
            new XmllintError('xmllint is missing: run npm test, which installs libxml2-utils', ''),
          );
        if (error.killed)
          return reject(
            new XmllintError(
              `xmllint did not finish within ${timeoutMs / 1000} s on ${files.length} files`,
              stderr,
            ),
          );
        // 1: a file is not well-formed, 3: a file does not validate; both are verdicts, read below.
        // Anything else (4: the schema could not be read, 5: it does not compile) checked nothing.
        if (code === 1 || code === 3) return resolve({ code, stderr });
        reject(new XmllintError(`xmllint failed (exit ${String(code)}): ${stderr.trim()}`, stderr));
      },
    );
  });
}

/**
 * Splits xmllint's stderr by file. Each file ends with "<path> validates" or "<path> fails to
 * validate" (none when it is not well-formed); its messages start with "<path>:" and the lines
 * that follow a message without a path (a parser error's source line and caret) belong to it.
 */
function verdicts(run: XmllintRun, files: readonly { path: string; name: string }[]): XsdVerdict[] {
  const byPath = new Map(files.map((f) => [f.path, { valid: false, lines: [] as string[] }]));
  let current: { valid: boolean; lines: string[] } | undefined;
  for (const line of run.stderr.split('\n')) {
    const file = files.find((f) => line.startsWith(`${f.path}:`) || line.startsWith(`${f.path} `));
    if (file !== undefined) {
      current = byPath.get(file.path)!;
      if (line === `${file.path} validates`) current.valid = true;
      else if (line !== `${file.path} fails to validate`) current.lines.push(line);
    } else if (current !== undefined && line !== '') current.lines.push(line);
  }
  return files.map((f) => {
    const result = byPath.get(f.path)!;
    const valid = result.valid;
    const errors = result.lines.map((l) => l.replaceAll(f.path, f.name)).join('\n');
    if (!valid && errors === '')
      return { file: f.name, valid, errors: `xmllint said nothing about this frame (exit ${run.code})` };
    return { file: f.name, valid, errors };
  });
}

/** Validates EPP frames (XML text) against the IANA schemas with xmllint; one xmllint process for many frames. */
export async function validateEppFrames(
  frames: readonly { name: string; xml: string }[],
): Promise<XsdVerdict[]> {
  if (frames.length === 0) return [];
  const dir = await mkdtemp(path.join(tmpdir(), 'countersign-epp-xsd-'));
  try {
    // Numbered names: no path is a prefix of another's "path:" or "path " in xmllint's output.
    const files = frames.map((frame, i) => ({
      path: path.join(dir, `frame-${String(i).padStart(6, '0')}.xml`),
      name: frame.name,
    }));
    await Promise.all(files.map((f, i) => writeFile(f.path, frames[i]!.xml)));
    const results: XsdVerdict[] = [];
    for (let start = 0; start < files.length; start += chunkSize) {
      const chunk = files.slice(start, start + chunkSize);
      const run = await runXmllint(chunk.map((f) => f.path));
      results.push(...verdicts(run, chunk));
    }
    return results;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function xmlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return xmlFiles(full);
      return entry.isFile() && entry.name.endsWith('.xml') ? [full] : [];
    }),
  );
  return nested.flat();
}

/** Validates every *.xml file in a directory (recursively). */
export async function validateEppFrameDir(dir: string): Promise<XsdVerdict[]> {
  const files = (await xmlFiles(dir)).sort();
  const frames = await Promise.all(
    files.map(async (file) => ({ name: path.relative(dir, file), xml: await readFile(file, 'utf8') })),
  );
  return validateEppFrames(frames);
}
