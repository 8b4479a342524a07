/**
 * What zod's `locales` namespace is in the workflow bundle (workers/workflow-bundle.ts): English,
 * which zod also takes directly as its default. The other ~50 languages were a sixth of the bundle
 * and of its source map, which every worker holds in memory; no workflow reads them.
 */
export { default as en } from 'zod/v4/locales/en.cjs';
