import http from 'node:http';

/**
 * What the proxy does with a request: forward it, answer 503 without forwarding, forward it after
 * a delay, or forward it and then drop the connection before the answer (the write happened, the
 * caller never hears so).
 */
export type HttpFault = 'pass' | 'unavailable' | 'slow' | 'lose-answer';

export interface HttpFaultProxy {
  readonly url: string;
  /** Decides per request; the default passes everything. */
  rule: (method: string, path: string) => HttpFault;
  readonly seen: Record<HttpFault, number>;
  close(): Promise<void>;
}

/** A loopback HTTP proxy in front of a real API (PowerDNS) that fails chosen requests on purpose. */
export async function startHttpFaultProxy(target: string, slowMs = 1500): Promise<HttpFaultProxy> {
  const seen: Record<HttpFault, number> = { pass: 0, unavailable: 0, slow: 0, 'lose-answer': 0 };
  const proxy: HttpFaultProxy = {
    url: '',
    rule: () => 'pass',
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
              res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(body));
            });
          },
        );
        upstream.on('error', () => req.socket.destroy());
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
