import type * as EvidenceLedgerModule from './evidence-ledger-workflow';
import type { GovernorInput } from './governor-workflow';
import type * as GovernorModule from './governor-workflow';
import type { LedgerInput } from '../src/evidence/ledger-protocol';

export { changeWorkflow } from './change-workflow';

/*
 * A worker evaluates the workflow code's modules once for every workflow it holds (each has its own
 * module cache), and a change is by far the most common workflow: it should not build the
 * governor's and the ledger's schemas, which it never uses. So those two load their modules when
 * they start. Each returns its module's own promise, not a wrapper's (no extra microtask turn), so
 * their histories are exactly what they were.
 */

export function governorWorkflow(input: GovernorInput): Promise<void> {
  return (require('./governor-workflow') as typeof GovernorModule).governorWorkflow(input);
}

export function evidenceLedgerWorkflow(input: LedgerInput): Promise<void> {
  return (require('./evidence-ledger-workflow') as typeof EvidenceLedgerModule).evidenceLedgerWorkflow(input);
}
