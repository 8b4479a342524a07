import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export type Protocol = 'tcp' | 'udp';

/** A process found holding a port, as far as this user may see it. */
export interface PortHolder {
  readonly pid: number;
  readonly command: string;
}

const listenState = '0A';

/**
 * Socket inodes bound to `port` in a /proc/net/{tcp,tcp6,udp,udp6} table. TCP counts listeners
 * only; a bound UDP socket has no listen state.
 */
export function socketInodes(table: string, port: number, protocol: Protocol): string[] {
  const inodes: string[] = [];
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    const state = fields[3];
    const inode = fields[9];
    if (local === undefined || state === undefined || inode === undefined) continue;
    const hexPort = local.slice(local.lastIndexOf(':') + 1);
    if (Number.parseInt(hexPort, 16) !== port) continue;
    if (protocol === 'tcp' && state !== listenState) continue;
    if (inode !== '0') inodes.push(inode);
  }
  return inodes;
}

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/**
 * Which process holds a loopback port, from Linux's /proc. Undefined when it cannot be seen (not
 * Linux, or the holder belongs to another user and this one is not root).
 */
export function findPortHolder(port: number, protocol: Protocol, proc = '/proc'): PortHolder | undefined {
  const inodes = new Set(
    ['', '6'].flatMap((suffix) =>
      socketInodes(readOr(`${proc}/net/${protocol}${suffix}`, ''), port, protocol),
    ),
  );
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = readdirSync(proc).filter((entry) => /^\d+$/.test(entry));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`${proc}/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`${proc}/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match?.[1] !== undefined && inodes.has(match[1])) {
        const command = readOr(`${proc}/${pid}/cmdline`, '').split('\0').filter(Boolean).join(' ');
        return { pid: Number(pid), command: command.length > 160 ? `${command.slice(0, 157)}...` : command };
      }
    }
  }
  return undefined;
}
