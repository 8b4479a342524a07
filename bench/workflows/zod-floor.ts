import { z } from 'zod';

const Input = z.strictObject({ id: z.string().min(1).max(128), confidence: z.number().min(0).max(1) });

/**
 * The floor for section (m): the least a workflow that refuses hostile input with zod costs a worker
 * to create, its own copy of zod and one small schema. Bundled on its own.
 */
export async function validatedWorkflow(input: unknown): Promise<string> {
  return Input.parse(input).id;
}
