import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ManagedProcess } from '../../workers/stack/processes';
import { freePort, startProcess, waitFor } from '../../workers/stack/processes';

/** A real Prometheus (the Debian package's `prometheus`) scraping one target every second. */
export interface PrometheusServer extends ManagedProcess {
  readonly url: string;
  /** An instant query through the HTTP API: the result vector, each series' labels and value. */
  query(promql: string): Promise<{ labels: Record<string, string>; value: number }[]>;
}

interface QueryResponse {
  status: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

/**
 * Starts Prometheus on a free loopback port with its own configuration and storage under `dir`,
 * scraping `target` (host:port, path /metrics) every second; resolves once it is ready.
 */
export async function startPrometheus(dir: string, target: string): Promise<PrometheusServer> {
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  const config = path.join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: countersign-worker',
      '    static_configs:',
      `      - targets: ['${target}']`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = path.join(dir, 'prometheus.log');
  const { child, managed } = startProcess(
    'prometheus',
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    logFile,
  );
  try {
    await waitFor('Prometheus', async () => (await fetch(`${url}/-/ready`)).ok, 30_000, { child, logFile });
  } catch (err) {
    await managed.stop();
    throw err;
  }
  return {
    ...managed,
    url,
    async query(promql) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as QueryResponse;
      if (body.status !== 'success' || body.data === undefined)
        throw new Error(`Prometheus query ${promql} failed: ${body.error ?? response.status}`);
      return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
    },
  };
}
