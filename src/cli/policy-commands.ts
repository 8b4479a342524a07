import type { Command } from 'commander';
import { defaultPolicyPath } from '../../activities/policy/default-policy-path';
import type * as PolicyActionsModule from './policy-actions';
import type { ExplainOptions, Print } from './policy-actions';

export { PolicyFileError } from './policy-file-error';

// The work is loaded when a command runs (see main.ts): policies pull in zod, YAML and the kinds.
const actions = () => require('./policy-actions') as typeof PolicyActionsModule;

export function registerPolicyCommands(program: Command, print: Print): void {
  const policy = program.command('policy').description('check, test and explain policies');

  policy
    .command('check')
    .description(
      'validate a policy file or directory: schema, roles, unreachable or shadowed rules, critical kinds not covered',
    )
    .argument('[location]', 'policy file or directory', defaultPolicyPath)
    .option('--strict', 'exit 7 when there are warnings')
    .action((location: string, options: { strict?: boolean }) => actions().check(location, options, print));

  policy
    .command('test')
    .description('run table-driven policy cases (YAML files with `cases:`) against a policy')
    .argument('[location]', 'policy file or directory', defaultPolicyPath)
    .requiredOption('--cases <path>', 'a cases file or a directory of them')
    .action((location: string, options: { cases: string }) => actions().test(location, options, print));

  policy
    .command('explain')
    .description('evaluate a recommendation without starting a workflow and show every reason')
    .argument('<file>', 'recommendation JSON, or -')
    .option('--policy <location>', 'policy file or directory', defaultPolicyPath)
    .option('--at <instant>', 'evaluate at this ISO instant (time windows)')
    .option(
      '--live <file>',
      'the live RRset as JSON {"ttl":300,"records":[...]} or null, instead of asking PowerDNS',
    )
    .option('--zone-records <n>', 'records in the zone, with --live')
    .action((file: string, options: ExplainOptions) => actions().explain(file, options, print));
}
