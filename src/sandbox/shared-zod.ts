import { util } from 'zod/v4/core';
import { z } from 'zod';

/**
 * Loaded once per worker before any workflow, so zod is shared by every workflow the worker holds
 * (the SDK's `preloadModules`; see workers/shared-workflow-modules.ts) instead of being evaluated
 * again for each one. The SDK deep-freezes what it shares, and zod writes some of its own state on
 * first use: its default locale and memoizer (set when the first schema is built) and whether the
 * sandbox allows `eval` (a cached check). They are set here, before the freeze. Schemas themselves
 * are not shared: each workflow builds its own, which zod may write to as it likes.
 */
z.object({ warm: z.string().min(1), list: z.array(z.number()).optional() }).safeParse({ warm: '' });
void util.allowsEval.value;
