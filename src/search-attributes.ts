import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Search attributes the change workflow keeps current; registered when the dev server starts. */
export const zoneKey = defineSearchAttributeKey('CountersignZone', SearchAttributeType.KEYWORD);
export const tierKey = defineSearchAttributeKey('CountersignTier', SearchAttributeType.KEYWORD);
export const stateKey = defineSearchAttributeKey('CountersignState', SearchAttributeType.KEYWORD);
export const environmentKey = defineSearchAttributeKey('CountersignEnvironment', SearchAttributeType.KEYWORD);
export const requesterKey = defineSearchAttributeKey('CountersignRequester', SearchAttributeType.KEYWORD);

/** `NAME=Type` pairs for `temporal server start-dev --search-attribute` and operator CLIs. */
export const searchAttributeRegistrations = [zoneKey, tierKey, stateKey, environmentKey, requesterKey].map(
  (key) => `${key.name}=Keyword`,
);
