import type { RegistryClock } from '../clock';
import type { RegistryState } from '../model';
import type { MessageQueue } from '../responses';
import type { ResultCode } from '../results';
import type { RegistryStore } from '../store';
import type { XmlElement, XmlObject } from '../xml';

/** Registry policy: what this test double allows, all configurable so tests can reach the edges. */
export interface RegistryPolicy {
  /** Served TLDs, normalised ("test"). */
  readonly tlds: readonly string[];
  /** How long a transfer waits for the losing registrar before the registry approves it. */
  readonly autoApproveAfterMs: number;
  /** The fewest name servers an update may leave on a domain (RFC 5731 leaves this to policy). */
  readonly minNs: number;
  /** The most name servers a domain may have. */
  readonly maxNs: number;
  /** The most DS records a domain may have. */
  readonly maxDs: number;
}

/** One parsed <command>: the verb, its object element, its extensions and the client's TRID. */
export interface ParsedCommand {
  readonly verb: string;
  /** The verb element itself (<update>, <poll>, …), for its attributes. */
  readonly verbElement: XmlElement;
  /** The object-specific element inside the verb (<domain:update>), absent for login/logout/poll. */
  readonly object: XmlElement | undefined;
  readonly extensions: readonly XmlElement[];
  readonly clTRID: string | undefined;
}

/** What a handler returns when the command succeeded (failures are thrown as EppError). */
export interface Outcome {
  readonly code: ResultCode;
  readonly resData?: XmlObject;
  readonly extension?: XmlObject;
  readonly msgQ?: MessageQueue;
  /** True when the registry's state changed (the transaction log's `changed`). */
  readonly changed: boolean;
  /** The object the command concerned, for the transaction log. */
  readonly object: string | null;
  readonly op?: string;
}

/** What a handler may see and touch. Handlers are synchronous: they validate first, then mutate. */
export interface CommandContext {
  readonly state: RegistryState;
  readonly store: RegistryStore;
  readonly clock: RegistryClock;
  readonly policy: RegistryPolicy;
  /** The logged-in registrar. */
  readonly clID: string;
  /** Extension URIs the client declared at login (RFC 5730 §2.9.1.1: only these may be used). */
  readonly extensions: ReadonlySet<string>;
  /** Marks owner names whose DNS delegation data must be republished. */
  touch(...names: string[]): void;
}
