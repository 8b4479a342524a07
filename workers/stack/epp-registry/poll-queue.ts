import type { RegistryClock } from './clock';
import type { PollMessage, RegistryState } from './model';

/** Service message queues (RFC 5730 §2.9.2.3), one per registrar, oldest first. */

export function enqueuePoll(
  state: RegistryState,
  clock: RegistryClock,
  clID: string,
  msg: string,
  transfer: PollMessage['transfer'],
): void {
  state.counters.message += 1;
  const queue = (state.polls[clID] ??= []);
  queue.push({ id: String(state.counters.message), qDate: clock.iso(), msg, transfer });
}

export function pollQueue(state: RegistryState, clID: string): PollMessage[] {
  return state.polls[clID] ?? [];
}
