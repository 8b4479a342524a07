export { changeWorkflow } from './change-workflow';
export { governorWorkflow } from './governor-workflow';
