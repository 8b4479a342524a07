import http from 'node:http';

/**
 * What the proxy does with a request: forward it, answer 503 without forwarding, forward it after
 * a delay, or forward it and then drop the connection before the answer (the write happened, the
 * caller never hears so); `hold-answer` forwards it and, when the target accepted it (2xx), asks
 * `afterCommit` whether to drop the answer (the chaos harness kills the worker first: the write is
 * committed, the answer never arrives) or pass it on.
 */
export type HttpFault = 'pass' | 'unavailable' | 'slow' | 'lose-answer' | 'hold-answer';

export interface HttpFaultProxy {
  readonly url: string;
  /** Decides per request; the default passes everything. */
  rule: (method: string, path: string) => HttpFault;
  /** For `hold-answer`: the target answered 2xx (committed); resolves to what to do with the answer. */
  afterCommit: (method: string, path: string) => Promise<'drop' | 'relay'>;
  /**
   * For `hold-answer`: the target refused (not 2xx, e.g. PowerDNS's SQLite busy under concurrent
   * writes), so nothing was committed; the answer is passed on as it is.
   */
  notCommitted: (method: string, path: string, status: number) => void;
  readonly seen: Record<HttpFault, number>;
  close(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of a real API (PowerDNS) that fails chosen requests on purpose: the
 * chaos harness's and the provider-fault tests'.
 */
export async function startHttpFaultProxy(target: string, slowMs = 1500): Promise<HttpFaultProxy> {
  const seen: Record<HttpFault, number> = {
    pass: 0,
    unavailable: 0,
    slow: 0,
    'lose-answer': 0,
    'hold-answer': 0,
  };
  const proxy: HttpFaultProxy = {
    url: '',
    rule: () => 'pass',
    afterCommit: () => Promise.resolve('relay'),
    notCommitted: () => undefined,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const fault = proxy.rule(req.method ?? 'GET', req.url ?? '/');
      seen[fault] += 1;
      if (fault === 'unavailable') {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('injected: service unavailable');
        return;
      }
      const forward = () => {
        const upstream = http.request(
          `${target}${req.url ?? '/'}`,
          { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
          (answer) => {
            const body: Buffer[] = [];
            answer.on('data', (c: Buffer) => body.push(c));
            answer.on('end', () => {
              if (fault === 'lose-answer') {
                req.socket.destroy();
                return;
              }
              const status = answer.statusCode ?? 502;
              if (fault === 'hold-answer' && (status < 200 || status > 299))
                proxy.notCommitted(req.method ?? 'GET', req.url ?? '/', status);
              else if (fault === 'hold-answer') {
                void proxy
                  .afterCommit(req.method ?? 'GET', req.url ?? '/')
                  .catch(() => 'drop' as const)
                  .then((action) => {
                    if (action === 'drop') req.socket.destroy();
                    else res.writeHead(status, answer.headers).end(Buffer.concat(body));
                  });
                return;
              }
              res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(body));
            });
          },
        );
        upstream.on('error', () => {
          if (fault === 'hold-answer') proxy.notCommitted(req.method ?? 'GET', req.url ?? '/', 0);
          req.socket.destroy();
        });
        upstream.end(Buffer.concat(chunks));
      };
      if (fault === 'slow') setTimeout(forward, slowMs);
      else forward();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  (proxy as { url: string }).url =
    `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  return proxy;
}
