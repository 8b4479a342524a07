import type { Reason } from './decision';

/**
 * A policy reason as a person reads it: the rule's own words as a sentence, with the measured value
 * and the bound it crossed where there is one. The rule id, paths and raw values stay in `--json`
 * and the evidence, where tools and auditors look for them.
 */
export function reasonSentence(reason: Reason): string {
  const words = reason.message.trim().replace(/[.\s]+$/, '');
  const said = words.charAt(0).toUpperCase() + words.slice(1);
  const measured = measuredPart(reason);
  return measured === '' ? `${said}.` : `${said}: ${measured}.`;
}

function measuredPart(reason: Reason): string {
  if (reason.threshold === undefined) return '';
  // A two-key check names its one fact; a rule's bound already names its fact ("recordsTouched > 4").
  if (reason.rule.startsWith('two_key.')) {
    const fact = reason.path.split('.').pop() ?? reason.path;
    return `${fact} ${reason.value} (${reason.threshold})`;
  }
  if (reason.path === 'plan') return `${reason.value} (${reason.threshold})`;
  return reason.threshold
    .split('; ')
    .map((bound) => withMeasuredValue(bound, reason))
    .join('; ');
}

/** "recordsTouched > 4" with the value the rule saw: "recordsTouched 7 (> 4)". */
function withMeasuredValue(bound: string, reason: Reason): string {
  const paths = reason.path.split(', ');
  const values = reason.value.split(', ');
  const match = /^(\S+) (.+)$/.exec(bound);
  if (match === null || paths.length !== values.length) return bound;
  const at = paths.indexOf(match[1] as string);
  return at === -1 ? bound : `${match[1]} ${values[at]} (${match[2]})`;
}
