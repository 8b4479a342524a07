export { changeWorkflow } from './change-workflow';
