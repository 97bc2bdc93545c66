/**
 * A real HTTP proxy in front of a real service (s3rver, dynalite) that starts failing after
 * a number of requests, as an AWS endpoint does in an outage: S3 answers 503 SlowDown,
 * DynamoDB 500 InternalServerError. Nothing is mocked: the SDK, its retries and the service
 * behind are the real ones; only the network path is made to fail.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class FaultProxy {
  private server: Server | undefined;
  port = 0;
  /** Requests forwarded so far. */
  forwarded = 0;
  /** Requests answered with an injected failure. */
  failed = 0;
  /** Requests forwarded before failures start; Infinity: never fail. */
  failAfter = Infinity;
  /** Fails the requests it matches, whatever the count (e.g. only reads of a prefix). */
  failIf: ((method: string, url: string) => boolean) | undefined;

  constructor(
    private readonly target: string,
    private readonly kind: 's3' | 'dynamodb',
  ) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const target = new URL(this.target);
    this.server = createServer((req, res) => {
      if (this.forwarded >= this.failAfter || this.failIf?.(req.method ?? '', req.url ?? '')) {
        this.failed++;
        req.resume();
        if (this.kind === 's3') {
          res.writeHead(503, { 'content-type': 'application/xml' });
          res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>injected outage</Message></Error>');
        } else {
          res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'injected outage' }));
        }
        return;
      }
      this.forwarded++;
      const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
