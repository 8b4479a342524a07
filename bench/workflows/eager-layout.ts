/**
 * Section (m)'s comparison: the project's three workflows exported the way workflows/index.ts did
 * before the governor and ledger loaded their modules on start, so creating a change evaluates all of
 * them. Bundled on its own.
 */
export { changeWorkflow } from '../../workflows/change-workflow';
export { governorWorkflow } from '../../workflows/governor-workflow';
export { evidenceLedgerWorkflow } from '../../workflows/evidence-ledger-workflow';
