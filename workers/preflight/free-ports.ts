import dgram from 'node:dgram';
import net from 'node:net';
import { findPortHolder } from './port-holder';
import type { Protocol } from './port-holder';
import { PreconditionError } from './precondition-error';

/** A port a command is about to bind, the variable that moves it, and what it is for. */
export interface WantedPort {
  readonly port: number;
  readonly protocols: readonly Protocol[];
  readonly purpose: string;
  readonly variable: string;
}

function canBind(port: number, protocol: Protocol): Promise<boolean> {
  return new Promise((resolve) => {
    if (protocol === 'udp') {
      const socket = dgram.createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
      return;
    }
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** One sentence about one taken port: who holds it and how to move ours. */
export function describeTakenPort(wanted: WantedPort, protocol: Protocol): string {
  const holder = findPortHolder(wanted.port, protocol);
  const who =
    holder === undefined
      ? `another process (find it with: ss -lntup 'sport = :${wanted.port}', as root)`
      : `process ${holder.pid} (${holder.command || 'command line not readable'})`;
  return (
    `${protocol.toUpperCase()} port ${wanted.port} (${wanted.purpose}) is held by ${who}; ` +
    `stop it, or give this one another port: ${wanted.variable}=<free port>`
  );
}

/**
 * Checks every port before anything starts, so a conflict is reported once, whole, and nothing
 * is left half-started. Throws a PreconditionError naming each holder and each variable.
 */
export async function requireFreePorts(wanted: readonly WantedPort[]): Promise<void> {
  const problems: string[] = [];
  for (const entry of wanted) {
    for (const protocol of entry.protocols) {
      if (!(await canBind(entry.port, protocol))) problems.push(describeTakenPort(entry, protocol));
    }
  }
  if (problems.length === 0) return;
  throw new PreconditionError(
    `${problems.length === 1 ? 'a port it needs is' : 'ports it needs are'} already in use. ` +
      `${problems.join('. ')}. (If another countersign demo is still running, it holds all of them: stop it with Ctrl-C in its terminal.)`,
  );
}
