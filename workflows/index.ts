export { changeWorkflow } from './change-workflow';
export { governorWorkflow } from './governor-workflow';
export { evidenceLedgerWorkflow } from './evidence-ledger-workflow';
