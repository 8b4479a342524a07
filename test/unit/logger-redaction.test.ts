import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../workers/logger';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination: sink }) };
}

describe('log redaction', () => {
  const secret = 'sEcReT-api-key-0123456789';
  const cases: { name: string; payload: Record<string, unknown> }[] = [
    { name: 'top-level apiKey', payload: { apiKey: secret } },
    { name: 'nested apiKey', payload: { pdns: { apiKey: secret } } },
    { name: 'twice nested apiKey', payload: { deps: { pdns: { apiKey: secret } } } },
    { name: 'X-API-Key header', payload: { request: { headers: { 'x-api-key': secret } } } },
    { name: 'TSIG secret', payload: { key: { tsigSecret: secret } } },
    { name: 'EPP auth code', payload: { domain: { authCode: secret } } },
    { name: 'private key', payload: { approver: { privateKey: secret } } },
  ];
  for (const c of cases) {
    it(`removes a ${c.name} from the JSON the sink receives`, () => {
      const { lines, logger } = capture();
      logger.info(c.payload, 'configured');
      assert.equal(lines.length, 1);
      assert.equal(lines[0]?.includes(secret), false, lines[0]);
      assert.match(lines[0] ?? '', /\[redacted\]/);
      assert.match(lines[0] ?? '', /"msg":"configured"/);
    });
  }

  it('keeps ids in child loggers', () => {
    const { lines, logger } = capture();
    logger.child({ workflowId: 'change-1' }).info({ planHash: 'abc' }, 'staged');
    const line = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    assert.equal(line.workflowId, 'change-1');
    assert.equal(line.planHash, 'abc');
  });
});
