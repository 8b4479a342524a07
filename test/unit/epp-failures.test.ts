import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eppFailure, failureTypeOf } from '../../activities/epp/epp-failures';
import { FailureType, nonRetryableFailureTypes } from '../../src/failures';

describe('EPP result codes become typed failures', () => {
  const cases: { code: number; type: FailureType; retried: boolean }[] = [
    { code: 2201, type: FailureType.RegistrarAuthorization, retried: false },
    { code: 2202, type: FailureType.RegistrarAuthorization, retried: false },
    { code: 2303, type: FailureType.RegistrarNotFound, retried: false },
    { code: 2304, type: FailureType.RegistrarStatusProhibits, retried: false },
    { code: 2300, type: FailureType.RegistrarStatusProhibits, retried: false },
    { code: 2306, type: FailureType.RegistrarPolicy, retried: false },
    { code: 2005, type: FailureType.RegistrarPolicy, retried: false },
    { code: 2003, type: FailureType.RegistrarPolicy, retried: false },
    { code: 2001, type: FailureType.RegistrarProtocol, retried: false },
    { code: 2101, type: FailureType.RegistrarProtocol, retried: false },
    { code: 2200, type: FailureType.ProviderMisconfigured, retried: false },
    { code: 2400, type: FailureType.ProviderUnavailable, retried: true },
    { code: 2500, type: FailureType.ProviderUnavailable, retried: true },
    { code: 2502, type: FailureType.ProviderUnavailable, retried: true },
  ];
  for (const c of cases)
    it(`${c.code} → ${c.type}${c.retried ? ', retried' : ', final'}`, () => {
      assert.equal(failureTypeOf(c.code), c.type);
      const failure = eppFailure('domain:update', { code: c.code, message: 'm', reasons: [] }, 'SV-1');
      assert.equal(failure.type, c.type);
      assert.equal(failure.nonRetryable, !c.retried);
      assert.equal(nonRetryableFailureTypes.includes(c.type), !c.retried);
      assert.match(failure.message, /\[svTRID SV-1\]/);
    });

  it('a secret the registry echoes back is redacted from the message', () => {
    const failure = eppFailure(
      'domain:transfer request',
      {
        code: 2202,
        message: 'Invalid authorization information',
        reasons: ['authInfo "hunter2-X" does not match'],
      },
      'SV-2',
      ['hunter2-X'],
    );
    assert.equal(failure.message.includes('hunter2-X'), false);
    assert.match(failure.message, /\[redacted\]/);
  });
});
