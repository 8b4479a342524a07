import type { ActiveException } from './exception';
import type { BreakGlassView, FreezeView, OverridesState } from './overrides-state';
import { activeExceptions, activeFreezeViews } from './overrides-state';

/** What a change learns from its governors before the policy check: it goes on the card too. */
export interface ActiveOverrides {
  readonly freezes: readonly FreezeView[];
  readonly breakGlass: readonly BreakGlassView[];
  readonly exceptions: readonly ActiveException[];
}

export const noActiveOverrides: ActiveOverrides = { freezes: [], breakGlass: [], exceptions: [] };

export function activeOverrides(o: OverridesState | undefined, scope: string, now: number): ActiveOverrides {
  if (o === undefined) return noActiveOverrides;
  return {
    freezes: activeFreezeViews(o, scope, now),
    breakGlass: o.grants
      .filter((g) => g.endedAt === null && g.expiresAt > now)
      .map((g) => ({
        id: g.id,
        scope,
        holder: g.holder,
        reason: g.reason,
        incident: g.incident,
        expiresAt: new Date(g.expiresAt).toISOString(),
      })),
    exceptions: activeExceptions(o, now),
  };
}

export function mergeOverrides(all: readonly ActiveOverrides[]): ActiveOverrides {
  return {
    freezes: all.flatMap((a) => a.freezes),
    breakGlass: all.flatMap((a) => a.breakGlass),
    exceptions: all.flatMap((a) => a.exceptions),
  };
}
