import type { NativeConnection } from '@temporalio/worker';
import { searchAttributeRegistrations } from '../../src/search-attributes';
import { PreconditionError } from './precondition-error';

/**
 * A change that sets a search attribute the namespace does not know cannot complete its workflow
 * task: it would sit stuck. The worker checks before it polls and says which ones to create.
 */
export async function requireSearchAttributes(
  connection: NativeConnection,
  namespace: string,
): Promise<void> {
  const listed = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set([
    ...Object.keys(listed.customAttributes ?? {}),
    ...Object.keys(listed.systemAttributes ?? {}),
  ]);
  const missing = searchAttributeRegistrations.filter(
    (registration) => !known.has(registration.split('=')[0] as string),
  );
  if (missing.length === 0) return;
  const commands = missing.map((registration) => {
    const [name, type] = registration.split('=') as [string, string];
    return `  temporal operator search-attribute create --namespace ${namespace} --name ${name} --type ${type}`;
  });
  throw new PreconditionError(
    `the Temporal namespace "${namespace}" lacks the search attribute(s) ${missing.map((m) => m.split('=')[0]).join(', ')} that changes set; create them, then start the worker again:\n${commands.join('\n')}`,
  );
}
