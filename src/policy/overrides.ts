import { formatDuration } from './duration';
import type { LoadedPolicy } from './evaluate';
import type { Policy } from './policy-schema';
import { hashOf } from '../hash';

/**
 * The same policy with every delay replaced: for demos, tests and benchmarks that cannot wait
 * fifteen minutes. The result carries its own hash, so evidence never confuses it with the original.
 */
export function withTimings(
  loaded: LoadedPolicy,
  timings: {
    approvalExpirySeconds?: number;
    coolingOffSeconds?: number;
    verificationPatienceSeconds?: number;
  },
): LoadedPolicy {
  const expiry =
    timings.approvalExpirySeconds === undefined ? undefined : formatDuration(timings.approvalExpirySeconds);
  const cooling =
    timings.coolingOffSeconds === undefined ? undefined : formatDuration(timings.coolingOffSeconds);
  const policy: Policy = {
    ...loaded.policy,
    version: `${loaded.policy.version}+timings`,
    defaults: {
      ...loaded.policy.defaults,
      ...(expiry === undefined ? {} : { approvalExpiry: expiry }),
      ...(cooling === undefined ? {} : { coolingOff: cooling }),
      ...(timings.verificationPatienceSeconds === undefined
        ? {}
        : { verificationPatience: formatDuration(timings.verificationPatienceSeconds) }),
    },
    rules: loaded.policy.rules.map((rule) => ({
      ...rule,
      decide: {
        ...rule.decide,
        ...(expiry !== undefined && rule.decide.approvalExpiry !== undefined
          ? { approvalExpiry: expiry }
          : {}),
        ...(cooling !== undefined && rule.decide.coolingOff !== undefined ? { coolingOff: cooling } : {}),
      },
    })),
  };
  return { policy, hash: hashOf(policy), source: `${loaded.source} (timings overridden)` };
}

/** The same policy with another governor section (or none): for tests, benchmarks and the chaos harness. */
export function withGovernor(
  loaded: LoadedPolicy,
  governor: Policy['governor'],
  label = 'governor',
): LoadedPolicy {
  const { governor: _replaced, ...rest } = loaded.policy;
  const policy: Policy = {
    ...rest,
    version: `${loaded.policy.version}+${label}`,
    ...(governor === undefined ? {} : { governor }),
  };
  return { policy, hash: hashOf(policy), source: `${loaded.source} (governor overridden)` };
}
