/** Whether a server failed to start because its port was taken (in its own words, or ours). */
export function portWasTaken(err: unknown): boolean {
  return /already in use|EADDRINUSE/i.test(err instanceof Error ? err.message : String(err));
}

/**
 * Runs `start` up to `attempts` times while it fails because a port was taken; `start` picks its
 * ports itself, so each attempt can use new ones. Any other failure ends it at once.
 */
export async function withPortRetry<T>(attempts: number, start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= attempts || !portWasTaken(err)) throw err;
    }
  }
}
