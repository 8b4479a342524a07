import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { evidenceTaskQueueOf, ledgerWorkflowIdOf } from '../../src/evidence/ledger-protocol';
import type { SealRequest } from '../../src/evidence/ledger-protocol';
import type { evidenceLedgerWorkflow } from '../../workflows/evidence-ledger-workflow';
import { sealSignal } from '../../workflows/messages';

export interface SealRequestDeps {
  readonly client: Client;
  /** The deployment (task queue) whose ledger seals these changes; false: they are not sealed. */
  readonly ledger: string | false;
}

/**
 * A closing change asks its deployment's ledger to seal it. A workflow cannot signal-with-start
 * another, so this activity does; the ledger starts on first use. Sealing itself happens on the
 * exporter's task queue once the change has closed, where the evidence key is.
 */
export function createSealRequestActivities(deps: SealRequestDeps) {
  return {
    async requestSeal(): Promise<'requested' | 'disabled'> {
      if (deps.ledger === false) return 'disabled';
      const { workflowExecution } = Context.current().info;
      if (workflowExecution === undefined)
        throw new Error("requestSeal runs only as a change workflow's activity");
      const request: SealRequest = {
        workflowId: workflowExecution.workflowId,
        runId: workflowExecution.runId,
      };
      await deps.client.workflow.signalWithStart<typeof evidenceLedgerWorkflow, [unknown]>(
        'evidenceLedgerWorkflow',
        {
          workflowId: ledgerWorkflowIdOf(deps.ledger),
          taskQueue: evidenceTaskQueueOf(deps.ledger),
          args: [{ head: null, pending: [] }],
          signal: sealSignal,
          signalArgs: [request],
        },
      );
      return 'requested';
    },
  };
}

export type SealRequestActivities = ReturnType<typeof createSealRequestActivities>;
