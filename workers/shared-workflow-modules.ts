/**
 * Modules every workflow in a worker shares instead of evaluating them again for each workflow it
 * creates (the SDK's `preloadModules`): zod alone, warmed (src/sandbox/shared-zod.ts). Our own
 * modules stay per workflow: they build schemas at load, and zod writes to a schema as it is used,
 * which the SDK's freeze of shared modules forbids. Creating a change workflow costs about a
 * third of the heap and time it did (`npm run bench -- m`).
 */
export const sharedWorkflowModules: readonly string[] = [require.resolve('../src/sandbox/shared-zod')];
