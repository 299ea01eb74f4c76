import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request as simulator handlers see it: body already read. */
export interface SimRequest {
  method: string;
  /** Path plus raw query string, exactly as received. */
  rawUrl: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** The body parsed as JSON, or undefined if empty or not JSON. */
  json: unknown;
}

/** A simulator's answer. */
export interface SimResponse {
  status: number;
  headers?: Record<string, string | number>;
  /** Objects are sent as JSON; strings and buffers as they are. */
  body?: unknown;
}

/** What handles requests on a {@link LoopbackServer}. */
export type SimHandler = (req: SimRequest, res: ServerResponse) => SimResponse | undefined | Promise<SimResponse | undefined>;

/** A real HTTP server on 127.0.0.1 and an ephemeral port. */
export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Stops accepting, destroys open sockets, resolves when closed. */
  close(): Promise<void>;
}

/**
 * Starts a loopback HTTP server. The handler returns a {@link SimResponse}, or writes to `res` itself and returns
 * `undefined` (fault injection does that to reset connections or truncate bodies).
 */
export async function startLoopbackServer(handler: SimHandler): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let json: unknown;
      if (body.length) {
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch {
          json = undefined;
        }
      }
      const rawUrl = req.url ?? '/';
      const simReq: SimRequest = { method: req.method ?? 'GET', rawUrl, url: new URL(rawUrl, 'http://127.0.0.1'), headers: req.headers, body, json };
      Promise.resolve()
        .then(() => handler(simReq, res))
        .then((out) => {
          if (!out || res.writableEnded || res.destroyed) return;
          sendSimResponse(res, out);
        })
        .catch((error: unknown) => {
          if (!res.headersSent) sendSimResponse(res, { status: 500, body: { error: 'simulator crashed', message: String(error) } });
          else res.destroy();
        });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Writes a {@link SimResponse}: JSON for objects, as-is for strings and buffers. */
export function sendSimResponse(res: ServerResponse, out: SimResponse): void {
  const headers: Record<string, string | number> = { ...out.headers };
  let payload: Buffer | undefined;
  if (out.body !== undefined) {
    if (Buffer.isBuffer(out.body)) payload = out.body;
    else if (typeof out.body === 'string') payload = Buffer.from(out.body);
    else {
      payload = Buffer.from(JSON.stringify(out.body));
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json; charset=utf-8';
    }
    headers['content-length'] = payload.length;
  }
  res.writeHead(out.status, headers);
  res.end(payload);
}
