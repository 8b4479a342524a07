import { EppError } from '../results';
import { pollQueue } from '../poll-queue';
import { trnData } from './domain-xml';
import { extensionsFor } from './common';
import type { CommandContext, Outcome, ParsedCommand } from './context';

/**
 * <poll> (RFC 5730 §2.9.2.3): op="req" shows the oldest message of the registrar's own queue
 * (1301, or 1300 when empty) without removing it; op="ack" removes the one named by msgID (2303
 * if the queue has none such) and answers with the count left and the acknowledged id.
 */
export function poll(ctx: CommandContext, command: ParsedCommand): Outcome {
  extensionsFor(ctx, command, []);
  const op = command.verbElement.attrs.op;
  const queue = pollQueue(ctx.state, ctx.clID);
  if (op === 'req') {
    const first = queue[0];
    if (first === undefined) return { code: 1300, changed: false, object: null, op };
    const { name, exDate, ...transfer } = first.transfer;
    return {
      code: 1301,
      msgQ: { count: queue.length, id: first.id, qDate: first.qDate, msg: first.msg },
      resData: trnData(name, transfer, exDate),
      changed: false,
      object: first.id,
      op,
    };
  }
  if (op === 'ack') {
    const id = (command.verbElement.attrs.msgID ?? '').trim();
    if (id === '') throw new EppError(2003, 'poll op="ack" needs a msgID');
    const index = queue.findIndex((m) => m.id === id);
    if (index === -1) throw new EppError(2303, `no message ${id} in this registrar's queue`);
    queue.splice(index, 1);
    return { code: 1000, msgQ: { count: queue.length, id }, changed: true, object: id, op };
  }
  throw new EppError(2005, `poll op must be "req" or "ack", not "${op ?? ''}"`);
}
