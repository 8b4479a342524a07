import { spawn } from 'node:child_process';
import path from 'node:path';
import { writeWorkflowBundle } from '../workers/workflow-bundle';
import { percentile, table } from './stats';

interface ProbeResult {
  readonly ms: number[];
  readonly heapBytesPerWorkflow: number;
}

interface Subject {
  readonly label: string;
  readonly bundle: string;
  readonly workflowType: string;
}

export interface WorkflowCreationContext {
  readonly dataDir: string;
  /** The project's workflow bundle, as workers load it. */
  readonly bundlePath: string;
  /** Workflows created per probe process. */
  readonly count: number;
  /** Probe processes per subject, interleaved. */
  readonly rounds: number;
  readonly log: (line: string) => void;
}

function probe(subject: Subject, count: number): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        'tsx',
        path.join(__dirname, 'workflow-creation-probe.ts'),
        subject.bundle,
        subject.workflowType,
        String(count),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`the creation probe for ${subject.label} exited with ${code}: ${err.trim()}`));
        return;
      }
      resolve(JSON.parse(out) as ProbeResult);
    });
  });
}

/**
 * (m) What creating one workflow costs a worker: the SDK evaluates the workflow code's modules for
 * every workflow it starts or brings back into its cache, and every cached workflow keeps what that
 * built. Measured with the SDK's own workflow creator (bench/workflow-creation-probe.ts), each
 * subject in fresh processes, interleaved, against the floor: a workflow that only checks its
 * input with one zod schema.
 */
export async function benchWorkflowCreation(ctx: WorkflowCreationContext): Promise<string> {
  const workflows = path.join(__dirname, 'workflows');
  const subjects: Subject[] = [
    {
      label: 'a workflow checking its input with zod (baseline)',
      bundle: await writeWorkflowBundle(
        path.join(ctx.dataDir, 'zod-floor-bundle.js'),
        path.join(workflows, 'zod-floor.ts'),
      ),
      workflowType: 'validatedWorkflow',
    },
    { label: 'change workflow, as workers load it', bundle: ctx.bundlePath, workflowType: 'changeWorkflow' },
    {
      label: 'change workflow, zod evaluated for each workflow (not shared)',
      bundle: await writeWorkflowBundle(
        path.join(ctx.dataDir, 'unshared-zod-bundle.js'),
        require.resolve('../workflows'),
        [],
      ),
      workflowType: 'changeWorkflow',
    },
    {
      label: 'change workflow, governor and ledger modules loaded with it',
      bundle: await writeWorkflowBundle(
        path.join(ctx.dataDir, 'eager-layout-bundle.js'),
        path.join(workflows, 'eager-layout.ts'),
      ),
      workflowType: 'changeWorkflow',
    },
  ];
  const ms = new Map<Subject, number[]>(subjects.map((s) => [s, []]));
  const heap = new Map<Subject, number[]>(subjects.map((s) => [s, []]));
  for (let round = 1; round <= ctx.rounds; round += 1) {
    for (const subject of round % 2 === 0 ? [...subjects].reverse() : subjects) {
      const result = await probe(subject, ctx.count);
      ms.get(subject)!.push(...result.ms);
      heap.get(subject)!.push(result.heapBytesPerWorkflow);
    }
    ctx.log(`(m) round ${round} of ${ctx.rounds} done`);
  }
  const baseline = subjects[0]!;
  const p50 = (s: Subject) => percentile(ms.get(s)!, 50);
  const kib = (s: Subject) => percentile(heap.get(s)!, 50) / 1024;
  return table(
    ['workflow created', 'n', 'p50 ms', 'p95 ms', 'heap KiB per kept workflow', 'p50 ratio', 'heap ratio'],
    subjects.map((s) => [
      s.label,
      ms.get(s)!.length,
      p50(s).toFixed(2),
      percentile(ms.get(s)!, 95).toFixed(2),
      kib(s).toFixed(0),
      (p50(s) / p50(baseline)).toFixed(2),
      (kib(s) / kib(baseline)).toFixed(2),
    ]),
  );
}
