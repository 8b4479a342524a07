import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { OverrideClient } from '../client/override-client';

/** The incident tool's webhook bodies are small; anything larger is refused unread. */
export const maxWebhookBytes = 64 * 1024;

export interface IncidentReceiver {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxWebhookBytes) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * An HTTP endpoint for the incident tool: `POST /incidents` with the JSON body and its
 * `X-Countersign-Signature: sha256=<hex HMAC>` header. The receiver holds no secret: it relays the
 * body as received to the governors of the scopes it names, and each one has the worker check the
 * signature. 200: every scope took it; 403: a scope refused it (the reasons are in the answer).
 */
export async function startIncidentReceiver(
  overrides: () => OverrideClient,
  host: string,
  port: number,
  log: (line: string) => void,
): Promise<IncidentReceiver> {
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST' || req.url !== '/incidents')
        return reply(res, 404, { error: 'POST the incident webhook to /incidents' });
      const signature = req.headers['x-countersign-signature'];
      if (typeof signature !== 'string')
        return reply(res, 401, {
          error: 'the X-Countersign-Signature header (sha256=<hex HMAC of the body>) is missing',
        });
      const body = await readBody(req);
      if (body === null)
        return reply(res, 413, { error: `the body is larger than ${maxWebhookBytes} bytes` });
      try {
        const results = await overrides().incidentWebhook(body, signature);
        const refused = results.filter((r) => !r.answer.ok);
        for (const r of results) log(`${r.scope}: ${r.answer.ok ? '' : 'refused: '}${r.answer.message}`);
        return reply(res, refused.length === 0 ? 200 : 403, { results });
      } catch (err) {
        return reply(res, 400, { error: (err as Error).message });
      }
    })().catch((err: unknown) => reply(res, 500, { error: (err as Error).message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return {
    server,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/incidents`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
