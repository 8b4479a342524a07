import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FoundAfter, FoundAfterAuthor } from '../../src/plan/authorship';
import { authorOfFoundAfter } from '../../src/plan/authorship';

const own = 'countersign CS-0123456789abcdef-7 plan 00ff';

describe('authorOfFoundAfter', () => {
  const cases: { name: string; found: FoundAfter; expected: FoundAfterAuthor }[] = [
    {
      name: 'first attempt, no stamps kept',
      found: { attempt: 1, stamps: undefined, ownStamp: own },
      expected: 'someone_else',
    },
    {
      name: 'first attempt, our stamp from nowhere',
      found: { attempt: 1, stamps: [own], ownStamp: own },
      expected: 'someone_else',
    },
    {
      name: 'retry, own stamp on the data',
      found: { attempt: 2, stamps: [own], ownStamp: own },
      expected: 'stamp',
    },
    {
      name: 'retry, own stamp beside other comments',
      found: { attempt: 5, stamps: ['countersign CS-other-3 plan 11aa', own], ownStamp: own },
      expected: 'stamp',
    },
    {
      name: 'retry, only another write’s stamp',
      found: { attempt: 2, stamps: ['countersign CS-other-3 plan 11aa'], ownStamp: own },
      expected: 'someone_else',
    },
    {
      name: 'retry, stamps kept but none',
      found: { attempt: 3, stamps: [], ownStamp: own },
      expected: 'someone_else',
    },
    {
      name: 'retry, same write, other plan',
      found: { attempt: 2, stamps: ['countersign CS-0123456789abcdef-7 plan 00fe'], ownStamp: own },
      expected: 'someone_else',
    },
    {
      name: 'retry, provider keeps no stamps',
      found: { attempt: 2, stamps: undefined, ownStamp: own },
      expected: 'earlier_attempt',
    },
  ];
  for (const { name, found, expected } of cases)
    it(`${name} → ${expected}`, () => assert.equal(authorOfFoundAfter(found), expected));
});
