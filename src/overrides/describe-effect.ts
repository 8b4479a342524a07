import type { ActiveException } from './exception';

/**
 * "at least tier 3", "at most tier 0": an exception's effect for people. Apart from the exception's
 * schemas, so that the override state the change workflow carries does not build them.
 */
export function describeEffect(effect: ActiveException['effect']): string {
  return effect.direction === 'tighten'
    ? `at least ${effect.tier === 'blocked' ? 'blocked' : `tier ${effect.tier}`}`
    : `at most ${effect.tier === 'blocked' ? 'blocked' : `tier ${effect.tier}`}`;
}
