import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { RegistryClock } from './clock';
import type { ClientFrame } from './command-frame';
import { clientTrid, objectKey, readClientFrame } from './command-frame';
import type { CommandContext, Outcome, ParsedCommand, RegistryPolicy } from './commands/context';
import { commandName, handlerFor } from './commands/dispatch';
import type { FaultPlan } from './faults';
import { credentialProblem, parseLogin } from './login';
import type { ResponseSpec } from './responses';
import { greetingXml, responseXml, undefValue } from './responses';
import type { ResultCode } from './results';
import { EppError, closesSession } from './results';
import type { RegistryStore } from './store';
import { autoApproveDue } from './transfers';
import type { XmlElement } from './xml';
import { parseXml } from './xml';

/**
 * The protocol engine: turns one client frame into one reply, for one session. It is synchronous
 * from parse to persist, so commands from different sessions never interleave: a command's change
 * is on disk (registry.json, then transactions.jsonl) before its response exists. A handler that
 * fails leaves the state as it was (the state is restored from a copy taken before it ran).
 */

/** What the engine knows about a connection. */
export interface SessionState {
  readonly id: number;
  /** CN of the TLS client certificate (verified against the registry's CA by the TLS layer). */
  readonly certificateCN: string | undefined;
  clID: string | undefined;
  objURIs: ReadonlySet<string>;
  extURIs: ReadonlySet<string>;
  failedLogins: number;
}

/** The engine's answer: a frame to send (none: close without answering), and whether to close. */
export interface Reply {
  readonly xml: string | undefined;
  readonly close: boolean;
  /** A short name for the frame log, e.g. "domain-update". */
  readonly label: string;
  /** No answer, and the connection stays open (an injected fault). */
  readonly hang?: boolean;
}

export interface EngineOptions {
  readonly policy: RegistryPolicy;
  readonly logger: Logger;
  readonly faults: FaultPlan;
  readonly maxSessionsPerRegistrar: number;
  /** Called after state changes that concern DNS: the publisher takes it from there. */
  readonly onUnpublished: () => void;
  /** Called after a registrar changed its password (login newPW). */
  readonly onPasswordChange: () => void;
}

const maxFailedLogins = 3;

export class RegistryEngine {
  private counter = 0;
  private readonly sessionsPerRegistrar = new Map<string, number>();

  constructor(
    private readonly store: RegistryStore,
    private readonly clock: RegistryClock,
    private readonly options: EngineOptions,
  ) {}

  greeting(): string {
    return greetingXml(this.clock.now());
  }

  /** A fresh server transaction id, unique across restarts (counter plus random suffix). */
  private svTRID(): string {
    this.counter += 1;
    return `CSR-${this.counter}-${randomBytes(4).toString('hex')}`;
  }

  /** Approves transfers whose time has come (lazily before every command, and on a timer). */
  tick(): void {
    const moved = autoApproveDue(this.store.state, this.clock);
    if (moved.length === 0) return;
    this.store.save();
    this.options.logger.info({ domains: moved }, 'transfers auto-approved');
  }

  sessionClosed(session: SessionState): void {
    if (session.clID === undefined) return;
    this.sessionsPerRegistrar.set(session.clID, (this.sessionsPerRegistrar.get(session.clID) ?? 1) - 1);
  }

  handleFrame(session: SessionState, xml: string): Reply {
    let frame: ClientFrame;
    let root: XmlElement | undefined;
    try {
      root = parseXml(xml);
      frame = readClientFrame(root);
    } catch (err) {
      if (!(err instanceof EppError)) throw err;
      // Not XML at all ("not-xml"), or XML that is not an EPP command ("invalid"); the client's
      // clTRID is echoed when it could be found.
      const label = root === undefined ? 'not-xml' : 'invalid';
      const clTRID = root === undefined ? undefined : clientTrid(root.children[0]);
      return this.refusal(session, err, { command: 'unparsed', object: null, clTRID, label });
    }
    if (frame.kind === 'hello') return { xml: this.greeting(), close: false, label: 'hello' };
    const command = frame.command;
    if (command.verb === 'login') return this.login(session, command);
    const base = { clTRID: command.clTRID, object: null };
    if (session.clID === undefined)
      return this.refusal(session, new EppError(2002, 'log in first'), {
        ...base,
        command: command.verb,
        label: command.verb,
      });
    if (command.verb === 'logout')
      return this.reply(
        session,
        { ...base, command: 'logout', label: 'logout' },
        { code: 1500, changed: false, object: null },
      );
    let name: string;
    try {
      name = commandName(command);
    } catch (err) {
      if (!(err instanceof EppError)) throw err;
      return this.refusal(session, err, { ...base, command: command.verb, label: command.verb });
    }
    return this.execute(session, command, name);
  }

  private execute(session: SessionState, command: ParsedCommand, name: string): Reply {
    this.tick();
    const meta = {
      command: name,
      object: objectKey(command),
      clTRID: command.clTRID,
      label: name.replace(':', '-'),
    };
    const fault = this.options.faults.take(name, meta.object);
    if (fault?.mode === 'drop-before-apply') {
      this.options.logger.info(
        { session: session.id, command: name, fault: fault.id },
        'fault: dropped before applying',
      );
      return { xml: undefined, close: true, label: meta.label };
    }
    if (fault?.mode === 'fail')
      return this.refusal(session, new EppError(fault.code, 'injected fault (admin API)'), meta);
    const state = this.store.state;
    const snapshot = structuredClone(state);
    const touched = new Set<string>();
    const ctx: CommandContext = {
      state,
      store: this.store,
      clock: this.clock,
      policy: this.options.policy,
      clID: session.clID!,
      extensions: session.extURIs,
      touch: (...names) => names.forEach((n) => touched.add(n)),
    };
    let outcome: Outcome;
    try {
      outcome = handlerFor(command, session.objURIs)(ctx, command);
    } catch (err) {
      this.store.state = snapshot;
      if (err instanceof EppError) return this.refusal(session, err, meta);
      this.options.logger.error({ err, command: name }, 'command handler failed (this is a bug)');
      return this.refusal(session, new EppError(2400, 'internal error in the registry test double'), meta);
    }
    if (touched.size > 0) state.unpublished = [...new Set([...state.unpublished, ...touched])];
    if (outcome.changed || touched.size > 0) this.store.save();
    const reply = this.reply(session, meta, outcome);
    if (touched.size > 0) this.options.onUnpublished();
    if (fault?.mode === 'hang-after-apply') {
      this.options.logger.info(
        { session: session.id, command: name, fault: fault.id },
        'fault: applied, never answering',
      );
      return { xml: undefined, close: false, hang: true, label: meta.label };
    }
    if (fault?.mode === 'drop-after-apply') {
      this.options.logger.info(
        { session: session.id, command: name, fault: fault.id },
        'fault: dropped after applying',
      );
      return { xml: undefined, close: true, label: meta.label };
    }
    return reply;
  }

  private login(session: SessionState, command: ParsedCommand): Reply {
    const meta = { command: 'login', object: null, clTRID: command.clTRID, label: 'login' };
    if (session.clID !== undefined)
      return this.refusal(session, new EppError(2002, 'already logged in'), meta);
    let request;
    try {
      request = parseLogin(command);
    } catch (err) {
      if (!(err instanceof EppError)) throw err;
      return this.refusal(session, err, meta);
    }
    const attempted = { ...meta, clID: request.clID };
    const fault = this.options.faults.take('login', null);
    if (fault?.mode === 'fail')
      return this.refusal(session, new EppError(fault.code, 'injected fault (admin API)'), attempted);
    const problem = credentialProblem(this.store.state.registrars, request, session.certificateCN);
    if (problem !== undefined) {
      session.failedLogins += 1;
      // RFC 5730 §2.9.1.1: after repeated failures the server may close the connection (2501).
      const code: ResultCode = session.failedLogins >= maxFailedLogins ? 2501 : problem.code;
      this.options.logger.warn(
        { session: session.id, clID: request.clID, certificateCN: session.certificateCN },
        'login refused',
      );
      return this.refusal(session, new EppError(code, problem.reason), attempted);
    }
    const open = this.sessionsPerRegistrar.get(request.clID) ?? 0;
    if (open >= this.options.maxSessionsPerRegistrar)
      return this.refusal(
        session,
        new EppError(2502, `at most ${this.options.maxSessionsPerRegistrar} sessions per registrar`),
        attempted,
      );
    if (request.newPW !== undefined) {
      this.store.state.registrars.find((r) => r.clID === request.clID)!.password = request.newPW;
      this.store.save();
      this.options.onPasswordChange();
    }
    session.clID = request.clID;
    session.objURIs = request.objURIs;
    session.extURIs = request.extURIs;
    this.sessionsPerRegistrar.set(request.clID, open + 1);
    return this.reply(session, attempted, { code: 1000, changed: request.newPW !== undefined, object: null });
  }

  private refusal(
    session: SessionState,
    err: EppError,
    meta: {
      command: string;
      object: string | null;
      clTRID: string | undefined;
      label: string;
      clID?: string;
    },
  ): Reply {
    const extValues = err.extValues.length > 0 ? err.extValues : [{ value: undefValue, reason: err.reason }];
    return this.reply(session, meta, { code: err.code, extValues, changed: false, object: meta.object });
  }

  /** Logs the transaction (no secrets: names, codes and ids only) and builds the response. */
  private reply(
    session: SessionState,
    meta: { command: string; clTRID: string | undefined; label: string; clID?: string },
    outcome: Omit<ResponseSpec, 'svTRID' | 'clTRID'> & {
      changed: boolean;
      object: string | null;
      op?: string;
    },
  ): Reply {
    const svTRID = this.svTRID();
    const clID = meta.clID ?? session.clID ?? null;
    this.store.appendTransaction({
      at: this.clock.iso(),
      clID,
      clTRID: meta.clTRID ?? null,
      svTRID,
      command: meta.command,
      ...(outcome.op === undefined ? {} : { op: outcome.op }),
      object: outcome.object,
      code: outcome.code,
      changed: outcome.changed,
    });
    this.options.logger.info(
      {
        session: session.id,
        clID,
        command: meta.command,
        op: outcome.op,
        object: outcome.object,
        code: outcome.code,
        changed: outcome.changed,
        svTRID,
      },
      'command',
    );
    const { changed: _changed, object: _object, op: _op, ...spec } = outcome;
    return {
      xml: responseXml({ ...spec, clTRID: meta.clTRID, svTRID }),
      close: closesSession(outcome.code),
      label: meta.label,
    };
  }
}
