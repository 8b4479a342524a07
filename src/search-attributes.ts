import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Search attributes the change workflow keeps current; registered when the dev server starts. */
export const zoneKey = defineSearchAttributeKey('CountersignZone', SearchAttributeType.KEYWORD);
export const tierKey = defineSearchAttributeKey('CountersignTier', SearchAttributeType.KEYWORD);
export const stateKey = defineSearchAttributeKey('CountersignState', SearchAttributeType.KEYWORD);
export const environmentKey = defineSearchAttributeKey('CountersignEnvironment', SearchAttributeType.KEYWORD);
export const requesterKey = defineSearchAttributeKey('CountersignRequester', SearchAttributeType.KEYWORD);
/** What the governor holds a change for (`queue:proposals`, `lock:rrset lock`, `budget:automaticExecutions`, `breaker:…`), or `none`. */
export const holdKey = defineSearchAttributeKey('CountersignHold', SearchAttributeType.KEYWORD);

/** The overrides a change ran under: `break-glass:bg-1`, `exception:<id>`, `freeze:<scope>` (held by it). */
export const overrideKey = defineSearchAttributeKey('CountersignOverride', SearchAttributeType.KEYWORD_LIST);

/** `NAME=Type` pairs for `temporal server start-dev --search-attribute` and operator CLIs. */
export const searchAttributeRegistrations = [
  zoneKey,
  tierKey,
  stateKey,
  environmentKey,
  requesterKey,
  holdKey,
]
  .map((key) => `${key.name}=Keyword`)
  .concat([`${overrideKey.name}=KeywordList`]);
