import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import pino from 'pino';
import { FailureLog } from '../../workers/failure-log';
import { PinoSdkLogger } from '../../workers/runtime';

/** The SDK's logger over a real pino writing JSON lines into memory. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== ''))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: new PinoSdkLogger(pino({ level: 'info' }, sink)) };
}

const policyInvalid = () =>
  ApplicationFailure.create({
    type: 'PolicyInvalid',
    message: 'policy p.yaml is invalid: rules[0]: expected an object',
  });

describe('failure logs: one line per failure, its message always, the stack once', () => {
  it('an activity failing again and again: the message every time, the stack the first time only', () => {
    const { lines, logger } = capture();
    for (let attempt = 1; attempt <= 3; attempt += 1)
      logger.warn('Activity failed', { activityType: 'askGovernors', attempt, error: policyInvalid() });
    assert.equal(lines.length, 3);
    const errors = lines.map((l) => l.error as Record<string, unknown>);
    for (const e of errors) {
      assert.equal(e.message, 'policy p.yaml is invalid: rules[0]: expected an object');
      assert.equal(e.type, 'PolicyInvalid');
    }
    assert.match(String(errors[0]?.stack), /ApplicationFailure/);
    assert.equal(errors[1]?.stack, undefined);
    assert.equal(errors[2]?.stack, undefined);
    assert.deepEqual(
      lines.map((l) => l.repeated),
      [undefined, 2, 3],
    );
  });

  it('a line below the level is dropped before anything is built: it does not use up the stack', () => {
    const { lines, logger } = capture();
    logger.debug('Activity failed', { error: policyInvalid() });
    logger.warn('Activity failed', { error: policyInvalid() });
    assert.equal(lines.length, 1);
    assert.match(String((lines[0]?.error as Record<string, unknown>).stack), /ApplicationFailure/);
    assert.equal(lines[0]?.repeated, undefined);
  });

  it('a different failure is a first again, with its stack', () => {
    const { lines, logger } = capture();
    logger.warn('Activity failed', { error: policyInvalid() });
    logger.warn('Activity failed', { error: new Error('connect ECONNREFUSED 127.0.0.1:8081') });
    assert.ok((lines[1]?.error as Record<string, unknown>).stack !== undefined);
    assert.equal(lines[1]?.repeated, undefined);
  });

  it("core's failure text loses its embedded stack on repeats and keeps the message", () => {
    const { lines, logger } = capture();
    const failure =
      'Failure { message: "boom in workflow", stack_trace: "Error: boom\\n    at changeWorkflow (workflow.js:1:1)", cause: None }';
    logger.warn('Failing workflow task', { run_id: 'r1', failure });
    logger.warn('Failing workflow task', { run_id: 'r1', failure });
    assert.equal(lines[0]?.failure, failure);
    assert.equal(
      lines[1]?.failure,
      'Failure { message: "boom in workflow", stack_trace: "(logged the first time)", cause: None }',
    );
    assert.equal(lines[1]?.repeated, 2);
  });

  it('lines without failures pass through untouched', () => {
    const meta = { workflowId: 'w', attempt: 2 };
    assert.equal(new FailureLog().shape('Workflow started', meta), meta);
  });

  it('remembers a bounded number of failures: the oldest is forgotten first', () => {
    const log = new FailureLog(2);
    const shaped = (m: string) => log.shape('failed', { error: new Error(m) });
    shaped('a');
    shaped('b');
    shaped('c'); // forgets a
    assert.ok((shaped('a').error as Record<string, unknown>).stack !== undefined, 'a is new again');
    assert.equal(shaped('c').repeated, 2);
  });
});
