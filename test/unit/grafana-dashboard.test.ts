import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { countersignMetrics } from '../../workflows/change-metrics';

const dashboardFile = path.join(__dirname, '..', '..', 'dashboards', 'countersign.grafana.json');

interface Panel {
  readonly title?: string;
  readonly targets?: readonly { readonly expr?: string }[];
  readonly panels?: readonly Panel[];
}

/** The series names each countersign metric is exposed under (counters get `_total`). */
function exposedNames(): Map<string, readonly string[]> {
  const names = new Map<string, readonly string[]>();
  for (const m of Object.values(countersignMetrics)) {
    const exposed =
      m.type === 'counter'
        ? [`${m.name}_total`]
        : m.type === 'histogram'
          ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`]
          : [m.name];
    for (const name of exposed) names.set(name, m.labels);
  }
  return names;
}

/** SDK (Temporal Core) metrics the dashboard may use: histograms in seconds, no unit suffix. */
const sdkMetrics = new Set(
  ['workflow_task_execution_latency', 'workflow_task_schedule_to_start_latency', 'activity_execution_latency']
    .flatMap((m) => ['_bucket', '_sum', '_count'].map((suffix) => `temporal_${m}${suffix}`))
    .concat(['temporal_workflow_completed_total', 'temporal_workflow_failed_total']),
);

function panelsOf(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...panelsOf(p.panels ?? [])]);
}

describe('dashboards/countersign.grafana.json', () => {
  const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as {
    title: string;
    uid: string;
    panels: Panel[];
  };
  const exprs = panelsOf(dashboard.panels).flatMap((p) =>
    (p.targets ?? []).map((t) => ({ panel: p.title ?? '', expr: t.expr ?? '' })),
  );

  it('parses, has panels and a query in each', () => {
    assert.equal(dashboard.uid, 'countersign');
    assert.ok(exprs.length >= 10);
    for (const { panel, expr } of exprs) assert.notEqual(expr.trim(), '', panel);
  });

  it('queries only metrics the code defines, with labels they carry', () => {
    const defined = exposedNames();
    for (const { panel, expr } of exprs) {
      const names = expr.match(/\b(countersign|temporal)_[a-z_]+/g) ?? [];
      assert.ok(names.length > 0, `${panel}: no metric in ${expr}`);
      for (const name of names)
        assert.ok(
          defined.has(name) || sdkMetrics.has(name),
          `${panel}: ${name} is not a metric the code defines`,
        );
      // Label matchers and groupings name labels the metric has (or the worker adds).
      const added = ['namespace', 'taskQueue', 'workflowType', 'le'];
      for (const name of names.filter((n) => defined.has(n))) {
        const labels = [...expr.matchAll(/(?:by \(([^)]*)\))|(?:\b([a-z_]+)\s*(?:=~|!=|!~|=)\s*")/g)].flatMap(
          (m) => (m[1] ?? m[2] ?? '').split(',').map((l) => l.trim()),
        );
        for (const label of labels.filter((l) => l !== ''))
          assert.ok(
            [...(defined.get(name) ?? []), ...added].includes(label),
            `${panel}: ${name} has no label ${label}`,
          );
      }
    }
  });

  it('never adds a queue total to its per-role series, and shows the approval queue by role', () => {
    const depth = exprs.filter((e) => e.expr.includes(countersignMetrics.queueDepth.name));
    for (const { panel, expr } of depth)
      assert.match(expr, /role\s*!?=\s*"any"/, `${panel}: ${expr} mixes totals (role="any") and roles`);
    assert.ok(
      depth.some((e) => /by \([^)]*\brole\b/.test(e.expr) && /queue\s*=\s*"approval"/.test(e.expr)),
      'no panel shows the approval queue by role',
    );
  });

  it('shows every countersign metric somewhere', () => {
    const used = exprs.map((e) => e.expr).join('\n');
    for (const m of Object.values(countersignMetrics))
      assert.ok(used.includes(m.name), `${m.name} is on no panel`);
  });
});
