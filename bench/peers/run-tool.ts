import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';

export interface ToolRun {
  readonly output: string;
  /** From spawning to the process's exit. */
  readonly ms: number;
}

/**
 * Runs a peer tool to completion with its output (stdout and stderr interleaved) appended to
 * `logFile`; rejects when it exits non-zero, naming the log and quoting its last lines.
 */
export function runTool(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; logFile: string; timeoutMs: number },
): Promise<ToolRun> {
  const start = performance.now();
  appendFileSync(options.logFile, `\n$ ${command} ${args.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    const collect = (chunk: Buffer) => {
      chunks.push(chunk);
      appendFileSync(options.logFile, chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${command}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const output = Buffer.concat(chunks).toString('utf8');
      if (code === 0) {
        resolve({ output, ms: performance.now() - start });
        return;
      }
      const tail = output.trimEnd().split('\n').slice(-12).join('\n    ');
      const how =
        signal === null ? `exited ${code}` : `was killed (${signal}; time limit ${options.timeoutMs} ms)`;
      reject(
        new Error(
          `${command} ${args.join(' ')} ${how}. Its last lines:\n    ${tail}\n(full log: ${options.logFile})`,
        ),
      );
    });
  });
}
