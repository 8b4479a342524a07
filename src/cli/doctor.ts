import { readFile } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { defaultPolicyPath, loadPolicy } from '../../activities/policy/policy-files';
import { parseDirectory } from '../../activities/approvals/directory-store';
import { loadWorkerConfig } from '../../workers/config';
import type { WorkerConfig } from '../../workers/config';
import { connectClient, temporalConnectConfig } from '../client/connection';
import { searchAttributeRegistrations } from '../search-attributes';
import type { DoctorCheck } from './doctor-report';
import type { RunningChange } from './doctor-report';
import { missingSearchAttributes, stuckChanges } from './doctor-report';
import pLimit from 'p-limit';
import { commandRuntime } from './command-runtime';

const defaultQueue = 'countersign';

/**
 * `countersign doctor`: checks, with the environment a worker would have, everything a running
 * countersign needs — the worker's settings, Temporal (connection, namespace, search attributes,
 * workers polling), PowerDNS, the approver directory and the policy — and says what to fix.
 * Checks that depend on an earlier one say so instead of failing twice.
 */
export async function runDoctor(env: NodeJS.ProcessEnv = process.env): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  let config: WorkerConfig | undefined;
  try {
    config = loadWorkerConfig(env);
    checks.push({ name: 'worker settings', status: 'ok', found: 'every COUNTERSIGN_* variable is valid' });
  } catch (err) {
    checks.push({
      name: 'worker settings',
      status: 'fail',
      found: (err as Error).message.replace(/^worker configuration: /, ''),
      fix: 'set the variable it names (README, Configuration and deployment)',
    });
  }
  checks.push(...(await temporalChecks(config?.taskQueue ?? env.COUNTERSIGN_TASK_QUEUE ?? defaultQueue)));
  checks.push(
    config === undefined ? skipped('PowerDNS', 'the worker settings') : await powerDnsCheck(config),
  );
  checks.push(await directoryCheck(env.COUNTERSIGN_APPROVERS));
  checks.push(await policyCheck(env.COUNTERSIGN_POLICY));
  return checks;
}

function skipped(name: string, because: string): DoctorCheck {
  return { name, status: 'fail', found: `not checked: ${because} must be fixed first` };
}

async function temporalChecks(taskQueue: string): Promise<DoctorCheck[]> {
  const { address, namespace } = temporalConnectConfig();
  let client: Client;
  try {
    client = await connectClient();
  } catch (err) {
    return [
      {
        name: 'Temporal',
        status: 'fail',
        found: `cannot reach ${address}: ${(err as Error).message}`,
        fix: 'start Temporal (npm run demo starts a dev server) or set TEMPORAL_ADDRESS / a profile',
      },
      skipped('namespace', 'the connection'),
      skipped('search attributes', 'the connection'),
      skipped('workers', 'the connection'),
      skipped('stuck changes', 'the connection'),
    ];
  }
  try {
    const service = client.connection.workflowService;
    const info = await service.getSystemInfo({});
    const checks: DoctorCheck[] = [
      {
        name: 'Temporal',
        status: 'ok',
        found: `reachable at ${address}${info.serverVersion ? ` (server ${info.serverVersion})` : ''}`,
      },
    ];
    try {
      await service.describeNamespace({ namespace });
      checks.push({ name: 'namespace', status: 'ok', found: namespace });
    } catch (err) {
      checks.push(
        {
          name: 'namespace',
          status: 'fail',
          found: `${namespace}: ${(err as Error).message}`,
          fix: `temporal operator namespace create --namespace ${namespace}   (or set TEMPORAL_NAMESPACE)`,
        },
        skipped('search attributes', 'the namespace'),
        skipped('workers', 'the namespace'),
        skipped('stuck changes', 'the namespace'),
      );
      return checks;
    }
    checks.push(
      await searchAttributeCheck(client, namespace),
      await pollerCheck(client, namespace, taskQueue),
      await stuckCheck(client, taskQueue),
    );
    return checks;
  } finally {
    await client.connection.close();
  }
}

async function searchAttributeCheck(client: Client, namespace: string): Promise<DoctorCheck> {
  const listed = await client.connection.operatorService.listSearchAttributes({ namespace });
  const registered: Record<string, string> = {};
  for (const [name, type] of Object.entries(listed.customAttributes ?? {}))
    registered[name] = (temporal.api.enums.v1.IndexedValueType[type] ?? String(type)).replace(
      /^INDEXED_VALUE_TYPE_/,
      '',
    );
  const needed = searchAttributeRegistrations.map((r) => {
    const [name = '', type = ''] = r.split('=');
    return { name, type };
  });
  const missing = missingSearchAttributes(needed, registered);
  if (missing.length === 0)
    return { name: 'search attributes', status: 'ok', found: `all ${needed.length} registered` };
  return {
    name: 'search attributes',
    status: 'fail',
    found: missing
      .map(
        (m) =>
          `${m.name} ${m.registeredAs === undefined ? 'missing' : `is ${m.registeredAs}, not ${m.type}`}`,
      )
      .join('; '),
    fix: missing
      .filter((m) => m.registeredAs === undefined)
      .map(
        (m) =>
          `temporal operator search-attribute create --namespace ${namespace} --name ${m.name} --type ${m.type}`,
      )
      .join(' && '),
  };
}

async function pollerCheck(client: Client, namespace: string, taskQueue: string): Promise<DoctorCheck> {
  const { TaskQueueType } = temporal.api.enums.v1;
  const pollers = async (taskQueueType: temporal.api.enums.v1.TaskQueueType) =>
    (
      await client.connection.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: taskQueue },
        taskQueueType,
      })
    ).pollers ?? [];
  const [workflows, activities] = await Promise.all([
    pollers(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW),
    pollers(TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY),
  ]);
  if (workflows.length > 0 && activities.length > 0) {
    const who = [...new Set(workflows.map((p) => p.identity ?? '?'))].join(', ');
    return {
      name: 'workers',
      status: 'ok',
      found: `${workflows.length} polling task queue ${taskQueue} (${who})`,
    };
  }
  return {
    name: 'workers',
    status: 'fail',
    found: `no worker has polled task queue ${taskQueue} in the last minutes${workflows.length > 0 ? ' for activities' : ''}: changes would wait`,
    fix: 'start one (npm run worker), or set COUNTERSIGN_TASK_QUEUE to the queue your workers poll',
  };
}

/** At most this many running changes are described (newest first): enough to spot a pattern. */
const stuckSample = 200;

async function stuckCheck(client: Client, taskQueue: string): Promise<DoctorCheck> {
  const query = `WorkflowType = 'changeWorkflow' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'`;
  const ids: string[] = [];
  for await (const change of client.workflow.list({ query })) {
    ids.push(change.workflowId);
    if (ids.length >= stuckSample) break;
  }
  const limit = pLimit(8);
  const running = await Promise.all(
    ids.map((id) =>
      limit(async (): Promise<RunningChange | undefined> => {
        try {
          const { raw } = await client.workflow.getHandle(id).describe();
          return {
            workflowId: id,
            workflowTaskAttempt: raw.pendingWorkflowTask?.attempt ?? 0,
            activities: (raw.pendingActivities ?? []).map((a) => ({
              type: a.activityType?.name ?? '?',
              attempt: a.attempt ?? 0,
              ...(a.lastFailure?.message ? { lastFailure: a.lastFailure.message.split('\n')[0] ?? '' } : {}),
            })),
          };
        } catch {
          return undefined; // closed between the list and the describe
        }
      }),
    ),
  );
  const stuck = stuckChanges(running.filter((c): c is RunningChange => c !== undefined));
  if (stuck.length === 0)
    return {
      name: 'stuck changes',
      status: 'ok',
      found: `none of ${ids.length} running change(s) keeps failing`,
    };
  return {
    name: 'stuck changes',
    status: 'fail',
    found: `${stuck.length} of ${ids.length} running keep failing: ${stuck.join(' | ')}`,
    fix: 'fix what each failure names (it resumes by itself: Temporal keeps retrying); countersign status <id> shows where it stands',
  };
}

async function powerDnsCheck(config: WorkerConfig): Promise<DoctorCheck> {
  const url = `${config.pdns.apiUrl.replace(/\/$/, '')}/api/v1/servers/localhost`;
  try {
    const response = await fetch(url, {
      headers: { 'X-API-Key': config.pdns.apiKey },
      signal: AbortSignal.timeout(5000),
    });
    if (response.status === 401 || response.status === 403)
      return {
        name: 'PowerDNS',
        status: 'fail',
        found: `${config.pdns.apiUrl} refused the API key (HTTP ${response.status})`,
        fix: "set COUNTERSIGN_PDNS_API_KEY (or _FILE) to PowerDNS's api-key",
      };
    if (!response.ok)
      return {
        name: 'PowerDNS',
        status: 'fail',
        found: `${url} answered HTTP ${response.status}`,
        fix: 'check that COUNTERSIGN_PDNS_API_URL points at the PowerDNS API (webserver and api=yes)',
      };
    const server = (await response.json()) as { version?: string };
    return {
      name: 'PowerDNS',
      status: 'ok',
      found: `API at ${config.pdns.apiUrl}${server.version === undefined ? '' : ` (PowerDNS ${server.version})`}`,
    };
  } catch (err) {
    return {
      name: 'PowerDNS',
      status: 'fail',
      found: `cannot reach ${config.pdns.apiUrl}: ${(err as Error).message}`,
      fix: 'start PowerDNS with its API on, or set COUNTERSIGN_PDNS_API_URL',
    };
  }
}

async function directoryCheck(file: string | undefined): Promise<DoctorCheck> {
  if (file === undefined || file === '')
    return {
      name: 'approver directory',
      status: 'warn',
      found:
        'COUNTERSIGN_APPROVERS is not set: no signed approval can be verified, so nothing needing approval can run',
      fix: 'point COUNTERSIGN_APPROVERS at your approver directory (README, Approvals)',
    };
  try {
    const directory = parseDirectory(await readFile(file, 'utf8'), file);
    return {
      name: 'approver directory',
      status: 'ok',
      found: `${file}: ${directory.humans.length} people, ${directory.services.length} service principals`,
    };
  } catch (err) {
    return {
      name: 'approver directory',
      status: 'fail',
      found: (err as Error).message,
      fix: 'fix the file it names: nobody can approve while it is unreadable',
    };
  }
}

async function policyCheck(location: string | undefined): Promise<DoctorCheck> {
  const parsed = await loadPolicy(location ?? defaultPolicyPath, commandRuntime().parsedPolicyCache).catch(
    (err: Error) => err,
  );
  const where = location ?? 'the shipped policy';
  if (parsed instanceof Error)
    return {
      name: 'policy',
      status: 'fail',
      found: `${where}: ${parsed.message}`,
      fix: 'set COUNTERSIGN_POLICY to a readable policy file or directory',
    };
  if (!parsed.ok)
    return {
      name: 'policy',
      status: 'fail',
      found: `${where} is invalid (${parsed.issues.length} issue${parsed.issues.length === 1 ? '' : 's'}): nothing is decided until it is fixed`,
      fix: `countersign policy check ${location ?? ''} shows each issue`.replace('  ', ' '),
    };
  return {
    name: 'policy',
    status: 'ok',
    found: `${where}: version ${parsed.loaded.policy.version}, ${parsed.loaded.policy.rules.length} rules`,
  };
}
