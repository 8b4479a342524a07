import type { temporal } from '@temporalio/proto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

/**
 * Everything a history carries as readable text: the JSON of the events plus every payload
 * decoded from base64. Searching this is how a test proves a secret is absent from history.
 */
export function historyText(history: temporal.api.history.v1.IHistory): string {
  const json = historyToJSON(history);
  const decoded = [...json.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) =>
    Buffer.from(m[1] ?? '', 'base64').toString('utf8'),
  );
  return [json, ...decoded].join('\n');
}
