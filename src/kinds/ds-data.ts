import { recordTypeSpec } from '../dns/record-types';
import type { Issue } from '../issues';
import { describeReceived } from '../issues';

/** DS records as a registrar change carries them: presentation format, canonical, sorted, unique. */
export function dsRecords(input: readonly string[], path: string): { ds: string[]; issues: Issue[] } {
  const spec = recordTypeSpec('DS');
  const issues: Issue[] = [];
  const ds: string[] = [];
  input.forEach((record, index) => {
    const result = spec.parse(record);
    if (result.ok) ds.push(result.content);
    else
      issues.push({
        code: 'invalid_rdata',
        path: `${path}[${index}]`,
        message: `not valid DS data${result.problem === undefined ? '' : `: ${result.problem}`}`,
        expected: result.expected,
        received: describeReceived(record),
      });
  });
  return { ds: [...new Set(ds)].sort(), issues };
}
