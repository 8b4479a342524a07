import type { Command } from 'commander';
import type { ApproverKeyFile } from '../client/approver-keys';
import type { CountersignClient } from '../client/countersign-client';
import { parseScope } from '../governor/scope';
import type * as StatusModule from '../governor/status';
import { ExitCode } from './exit-codes';
import { InputError } from './read-input';

// Loaded when a command runs (see main.ts): the status renderer pulls in the zod schemas.
const statusModule = () => require('../governor/status') as typeof StatusModule;

export interface GovernorCommandDeps {
  readonly print: (value: unknown, text: string) => void;
  readonly withClient: <T>(fn: (client: CountersignClient) => Promise<T>) => Promise<T>;
  readonly readKey: (file: string) => Promise<ApproverKeyFile>;
}

function scopeArgument(text: string) {
  const scope = parseScope(text);
  if ('error' in scope) throw new InputError(scope.error);
  return scope;
}

/** `countersign governor status|admit|reset`: what holds changes back across a scope, and the human levers. */
export function registerGovernorCommands(program: Command, deps: GovernorCommandDeps): void {
  const governor = program
    .command('governor')
    .description('budgets, review queue, RRset locks and circuit breaker of a zone, a tenant or everything');

  governor
    .command('status')
    .description('what a scope has spent, who waits in its queue, which RRsets are locked, the breaker')
    .argument('<scope>', 'zone:<zone>, tenant:<tenant> or global')
    .action(async (text: string) => {
      const scope = scopeArgument(text);
      const status = await deps.withClient((client) => client.governorStatus(scope));
      deps.print(status, statusModule().renderGovernorStatus(status));
    });

  governor
    .command('admit')
    .description('admit a change from its review queue now, over the proposal budget (it still counts)')
    .argument('<id>', 'recommendation id or workflow id')
    .requiredOption('--key <file>', 'your key file (countersign keygen)')
    .requiredOption('--reason <text>', 'why it cannot wait for the window')
    .action(async (id: string, options: { key: string; reason: string }) => {
      const key = await deps.readKey(options.key);
      const answer = await deps.withClient((client) =>
        client.admitFromQueue(id, { key, reason: options.reason }),
      );
      deps.print(
        { ...answer, principal: key.principal },
        answer.admitted
          ? `admitted: ${answer.message}. The change goes on now: countersign status ${id}`
          : `not admitted: ${answer.message}`,
      );
      if (!answer.admitted) process.exitCode = ExitCode.refused;
    });

  governor
    .command('reset')
    .description("close a scope's circuit breaker after checking what failed (signed with your key)")
    .argument('<scope>', 'zone:<zone>, tenant:<tenant> or global')
    .requiredOption('--key <file>', 'your key file (countersign keygen)')
    .requiredOption('--reason <text>', 'what you checked')
    .action(async (text: string, options: { key: string; reason: string }) => {
      const scope = scopeArgument(text);
      const key = await deps.readKey(options.key);
      const answer = await deps.withClient((client) =>
        client.resetBreaker(scope, { key, reason: options.reason }),
      );
      deps.print(
        { ...answer, principal: key.principal },
        answer.reset
          ? `${answer.message}. Automatic changes in this scope run again.`
          : `nothing to reset: ${answer.message}`,
      );
      if (!answer.reset) process.exitCode = ExitCode.refused;
    });
}
