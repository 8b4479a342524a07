import { parseDuration } from '../policy/duration';
import type { Policy } from '../policy/policy-schema';

/** What the policy's `overrides` section allows, in seconds; null: nobody may (fail closed). */
export interface OverrideLimits {
  readonly freeze: {
    readonly roles: readonly string[];
    readonly overrideRoles: readonly string[];
    readonly maxSeconds: number | null;
  } | null;
  readonly incidents: {
    readonly roles: readonly string[];
    readonly freeze: boolean;
    readonly exemptLinked: boolean;
  } | null;
  readonly breakGlass: {
    readonly roles: readonly string[];
    readonly maxSeconds: number;
    readonly review: ReviewLimits;
  } | null;
  readonly exceptions: {
    readonly roles: readonly string[];
    readonly maxSeconds: number;
    readonly noticeSeconds: number;
    readonly reviewEverySeconds: number;
  } | null;
}

export interface ReviewLimits {
  readonly withinSeconds: number;
  /** Empty: any human approver but the holder. */
  readonly roles: readonly string[];
  readonly escalation: readonly { readonly afterSeconds: number; readonly notify: readonly string[] }[];
}

export const noOverrides: OverrideLimits = {
  freeze: null,
  incidents: null,
  breakGlass: null,
  exceptions: null,
};

export function overrideLimitsOf(policy: Policy): OverrideLimits {
  const o = policy.overrides;
  if (o === undefined) return noOverrides;
  return {
    freeze:
      o.freeze === undefined
        ? null
        : {
            roles: o.freeze.roles,
            overrideRoles: o.freeze.overrideRoles ?? [],
            maxSeconds: o.freeze.maxDuration === undefined ? null : parseDuration(o.freeze.maxDuration),
          },
    incidents:
      o.incidents === undefined
        ? null
        : {
            roles: o.incidents.roles,
            freeze: o.incidents.freeze,
            exemptLinked: o.incidents.exemptLinked ?? true,
          },
    breakGlass:
      o.breakGlass === undefined
        ? null
        : {
            roles: o.breakGlass.roles,
            maxSeconds: parseDuration(o.breakGlass.maxDuration),
            review: {
              withinSeconds: parseDuration(o.breakGlass.review.within),
              roles: o.breakGlass.review.roles ?? [],
              escalation: (o.breakGlass.review.escalation ?? []).map((e) => ({
                afterSeconds: parseDuration(e.after),
                notify: e.notify,
              })),
            },
          },
    exceptions:
      o.exceptions === undefined
        ? null
        : {
            roles: o.exceptions.roles,
            maxSeconds: parseDuration(o.exceptions.maxDuration),
            noticeSeconds: parseDuration(o.exceptions.noticeBefore),
            reviewEverySeconds: parseDuration(o.exceptions.reviewEvery),
          },
  };
}

/** Whether any override can exist: then every scope's governor is asked, budgets or not. */
export function overridesEnabled(limits: OverrideLimits | undefined): boolean {
  return (
    limits !== undefined &&
    (limits.freeze !== null ||
      limits.incidents !== null ||
      limits.breakGlass !== null ||
      limits.exceptions !== null)
  );
}
