/**
 * A governor's scope: one zone, one tenant, or every change. Each scope has one long-lived
 * governor workflow, found by a workflow id derived from the scope.
 */
export type ScopeKind = 'zone' | 'tenant' | 'global';

export interface Scope {
  readonly kind: ScopeKind;
  /** The zone (absolute) or tenant name; `*` for the global scope. */
  readonly name: string;
}

export const globalScope: Scope = { kind: 'global', name: '*' };

/**
 * One governor per scope per deployment: the task queue names the deployment, so two countersign
 * installations sharing a Temporal namespace (or two test runs) never share budgets or locks.
 */
export function governorWorkflowId(scope: Scope, taskQueue: string): string {
  const base = `countersign-governor/${taskQueue}`;
  return scope.kind === 'global' ? `${base}/global` : `${base}/${scope.kind}/${scope.name}`;
}

/** The scopes that govern a change, widest first: the order in which the governors are asked. */
export function scopesOf(target: { readonly tenant: string; readonly zone: string }): Scope[] {
  return [globalScope, { kind: 'tenant', name: target.tenant }, { kind: 'zone', name: target.zone }];
}

export function describeScope(scope: Scope): string {
  return scope.kind === 'global' ? 'all changes' : `${scope.kind} ${scope.name}`;
}

/** `zone:example.com.`, `tenant:acme` or `global`, as typed on the command line. */
export function parseScope(text: string): Scope | { error: string } {
  if (text === 'global') return globalScope;
  const match = /^(zone|tenant):(.+)$/.exec(text.trim());
  if (match === null)
    return { error: `"${text}" is not a scope: expected zone:<zone>, tenant:<tenant> or global` };
  const kind = match[1] as 'zone' | 'tenant';
  const name = match[2] as string;
  return { kind, name: kind === 'zone' && !name.endsWith('.') ? `${name.toLowerCase()}.` : name };
}

export function formatScope(scope: Scope): string {
  return scope.kind === 'global' ? 'global' : `${scope.kind}:${scope.name}`;
}

/** One RRset inside a zone: the unit the governor lets one change write at a time. */
export function rrsetKey(name: string, type: string): string {
  return `${name} ${type}`;
}

/** What a person signs to act on a governor: bound to the governor (workflow id) and the action. */
export type GovernorAction =
  | 'reset'
  | { admit: string }
  | { freeze: { until: string | null; incident: string | null } }
  | 'unfreeze'
  | { incident: { op: 'open' | 'close'; id: string } }
  | { breakGlass: { seconds: number; incident: string | null } }
  | { endBreakGlass: string | null }
  | { reviewBreakGlass: string }
  | { grantException: string }
  | { approveException: { id: string; spec: string } }
  | { revokeException: string };

export function governorActionText(action: GovernorAction): string {
  if (action === 'reset') return 'countersign-governor-reset';
  if (action === 'unfreeze') return 'countersign-unfreeze';
  if ('admit' in action) return `countersign-governor-admit ${action.admit}`;
  if ('freeze' in action)
    return `countersign-freeze until=${action.freeze.until ?? '-'} incident=${action.freeze.incident ?? '-'}`;
  if ('incident' in action) return `countersign-incident-${action.incident.op} ${action.incident.id}`;
  if ('breakGlass' in action)
    return `countersign-break-glass seconds=${action.breakGlass.seconds} incident=${action.breakGlass.incident ?? '-'}`;
  if ('endBreakGlass' in action) return `countersign-break-glass-end ${action.endBreakGlass ?? '-'}`;
  if ('reviewBreakGlass' in action) return `countersign-break-glass-review ${action.reviewBreakGlass}`;
  if ('grantException' in action) return `countersign-exception-grant ${action.grantException}`;
  if ('approveException' in action)
    return `countersign-exception-approve ${action.approveException.id} ${action.approveException.spec}`;
  return `countersign-exception-revoke ${action.revokeException}`;
}
