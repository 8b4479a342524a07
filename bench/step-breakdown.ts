import type { Client } from '@temporalio/client';
import type { StepKind, StepTimings, TimeCategory } from '../src/perf/step-timings';
import { formatMs, formatShare, stepLabel, stepTimings, timeCategoryLabels } from '../src/perf/step-timings';
import { percentile, pool, table } from './stats';

/**
 * Where the time of a set of workflows goes, step by step: the typical (median) run of each step
 * and the typical split of the whole run into categories. Workflows of one route line up step by
 * step, since a step is named by kind, name and occurrence.
 */

// Enough to overlap the round trips without crowding a dev server other benchmarks share.
const FETCH_CONCURRENCY = 8;

interface StepSamples {
  readonly kind: StepKind;
  readonly label: string;
  readonly startMs: number[];
  readonly queueMs: number[];
  readonly runMs: number[];
}

const median = (values: readonly number[]) => percentile(values, 50);

async function fetchTimings(client: Client, workflowIds: readonly string[]): Promise<StepTimings[]> {
  return pool(workflowIds.length, FETCH_CONCURRENCY, async (i) =>
    stepTimings(await client.workflow.getHandle(workflowIds[i] as string).fetchHistory()),
  );
}

function samplesByStep(breakdowns: readonly StepTimings[]): StepSamples[] {
  const byKey = new Map<string, StepSamples>();
  for (const step of breakdowns.flatMap((b) => b.steps)) {
    const label = stepLabel(step);
    const key = `${step.kind}\u0000${label}`;
    const samples = byKey.get(key) ?? { kind: step.kind, label, startMs: [], queueMs: [], runMs: [] };
    samples.startMs.push(step.startMs);
    samples.queueMs.push(step.queueMs);
    samples.runMs.push(step.runMs);
    byKey.set(key, samples);
  }
  // Stable sort: steps starting at the same offset keep the order they were first seen in.
  return [...byKey.values()].sort((a, b) => median(a.startMs) - median(b.startMs));
}

/** Medians of each step across the workflows; `n` tells a step only some workflows took. */
export function medianStepsTable(breakdowns: readonly StepTimings[]): string {
  const rows = samplesByStep(breakdowns).map((s) => [
    s.label,
    s.kind,
    s.runMs.length,
    formatMs(median(s.startMs)),
    formatMs(median(s.queueMs)),
    formatMs(median(s.runMs)),
  ]);
  return table(['step', 'kind', 'n', 'median start ms', 'median queue ms', 'median run ms'], rows);
}

function categoryMs(breakdown: StepTimings, category: TimeCategory): number {
  return breakdown.categories.find((c) => c.category === category)?.ms ?? 0;
}

/**
 * Per category: median ms, median share, and the pooled share (all workflows' ms over all their
 * totals), which unlike the medians adds up to 100%.
 */
export function categorySummaryTable(breakdowns: readonly StepTimings[]): string {
  const categories = Object.keys(timeCategoryLabels) as TimeCategory[];
  const totals = breakdowns.map((b) => b.totalMs);
  const pooledTotal = totals.reduce((sum, ms) => sum + ms, 0);
  const rows = categories.map((category) => {
    const ms = breakdowns.map((b) => categoryMs(b, category));
    const shares = breakdowns.map((b) => (b.totalMs > 0 ? categoryMs(b, category) / b.totalMs : 0));
    const pooled = pooledTotal > 0 ? ms.reduce((sum, x) => sum + x, 0) / pooledTotal : 0;
    return [
      timeCategoryLabels[category],
      formatMs(median(ms)),
      formatMs(percentile(ms, 95)),
      formatShare(median(shares)),
      formatShare(pooled),
    ];
  });
  const counts = (pick: (b: StepTimings) => number) => median(breakdowns.map(pick));
  rows.push([
    `total (${counts((b) => b.activities.count)} activities, ${counts((b) => b.workflowTasks.count)} workflow tasks)`,
    formatMs(median(totals)),
    formatMs(percentile(totals, 95)),
    '100.0%',
    '100.0%',
  ]);
  return table(['category', 'median ms', 'p95 ms', 'median share', 'pooled share'], rows);
}

/** Fetches each workflow's history and renders its typical steps and where its time went. */
export async function stepBreakdownTable(client: Client, workflowIds: string[]): Promise<string> {
  const breakdowns = await fetchTimings(client, workflowIds);
  return [
    `steps, median across ${breakdowns.length} workflows (offsets from each workflow's first event)`,
    medianStepsTable(breakdowns),
    '',
    'where the time goes (categories partition each run; overlaps charged to work before waits)',
    categorySummaryTable(breakdowns),
  ].join('\n');
}
