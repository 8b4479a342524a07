import { getHeapStatistics } from 'node:v8';

/**
 * How a change worker's process is started (package.json's `worker` script, the Dockerfile, the
 * chaos harness; a unit test keeps them in step). A worker mostly waits, and V8 sizes its heaps
 * from the machine (4 GiB each here, for the main thread and the SDK's workflow thread), so it
 * collected late and a worker with 1,000 changes waiting held 0.9-1.1 GiB, most of it garbage.
 * - `--max-old-space-size=256`: each heap collects well before that; live, the workflow thread
 *   holds ~0.3 MiB per cached change (250 by default) plus the workflow bundle, the main thread
 *   ~55 MiB;
 * - `--max-semi-space-size=2`: the young generations stay at 2 MiB instead of growing to 16 MiB
 *   each;
 * - `MALLOC_ARENA_MAX=2`: glibc otherwise gives each of the worker's threads (the SDK core's,
 *   libuv's) an arena of its own, which it seldom gives back: ~40 MiB less with 1,000 waiting.
 * `npm run bench -- l` measures it.
 */
export const workerNodeFlags: readonly string[] = ['--max-old-space-size=256', '--max-semi-space-size=2'];
export const workerEnvironment: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** Above this, the heap was not capped: the process was started without {@link workerNodeFlags}. */
const uncappedHeapMiB = 1024;

/** The heap limit a worker runs with, and what to do when it was started without a cap. */
export function heapLimitAdvice(heapLimitMiB = getHeapStatistics().heap_size_limit / 2 ** 20): {
  readonly heapLimitMiB: number;
  readonly advice?: string;
} {
  const rounded = Math.round(heapLimitMiB);
  if (rounded <= uncappedHeapMiB) return { heapLimitMiB: rounded };
  return {
    heapLimitMiB: rounded,
    advice: `the worker's heap limit is ${rounded} MiB, so V8 collects late and a worker holding many waiting changes grows past 1 GiB; start it with node ${workerNodeFlags.join(' ')} and ${Object.entries(
      workerEnvironment,
    )
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')} (npm run worker and the Docker image do)`,
  };
}
