import type { ServerResponse } from 'node:http';
import { Redactor } from '../../src/credentials/redact.js';
import type { HttpConfig } from '../../src/connector/http-config.js';
import type { HttpObserver } from '../../src/http/create-http-client.js';
import { startLoopbackServer, type LoopbackServer, type SimHandler, type SimRequest } from '../../src/testing/loopback-server.js';

/** A secret long and distinctive enough that finding it anywhere is a leak. */
export const TOKEN = 'tok_9f8e7d6c5b4a3210secret';

/** What a test server saw: every request and when it arrived. */
export interface Recorded {
  server: LoopbackServer;
  requests: Array<SimRequest & { at: number }>;
}

const open: LoopbackServer[] = [];

/** Starts a loopback server that records each request before handing it to `handler`. */
export async function recordingServer(handler: SimHandler): Promise<Recorded> {
  const requests: Recorded['requests'] = [];
  const server = await startLoopbackServer((req, res) => {
    requests.push({ ...req, at: Date.now() });
    return handler(req, res);
  });
  open.push(server);
  return { server, requests };
}

/** Closes every server started by {@link recordingServer}; call from `afterEach`. */
export async function closeServers(): Promise<void> {
  await Promise.all(open.splice(0).map((s) => s.close()));
}

/** A Zendesk-like config: base path, bearer auth, named auth field. */
export function zendeskLikeConfig(extra: Partial<HttpConfig> = {}): HttpConfig {
  return {
    baseUrl: 'https://acme.zendesk.com/api/v2',
    headers: { Authorization: `Bearer ${TOKEN}` },
    authField: 'apiToken',
    ...extra,
  };
}

/** The redactor a connection would build for {@link TOKEN}. */
export const redactor = new Redactor([TOKEN]);

/** An observer that records every callback, in order. */
export function recordingObserver() {
  const events: Array<{ type: 'request' | 'rateLimited' | 'wait' | 'retry'; info: unknown }> = [];
  const observer: HttpObserver = {
    onRequest: (info) => events.push({ type: 'request', info }),
    onRateLimited: (info) => events.push({ type: 'rateLimited', info }),
    onRateLimitWait: (ms) => events.push({ type: 'wait', info: ms }),
    onRetry: (info) => events.push({ type: 'retry', info }),
  };
  const of = (type: (typeof events)[number]['type']) => events.filter((e) => e.type === type).map((e) => e.info);
  return { observer, events, of };
}

/** Short delays so retry tests run fast. */
export const fast = { minRetryDelayMs: 5, maxRetryDelayMs: 20 } as const;

/** What {@link streamBody} wrote, and when the connection closed. */
export interface StreamedBody {
  /** Bytes handed to the socket so far. */
  written(): number;
  /** Resolves when the response's connection closes: body ended, client gone, or the safety ceiling hit. */
  closed: Promise<void>;
}

/**
 * Streams a body with back-pressure: `next` gives the chunks, `undefined` ends the body. Stops writing as soon as
 * the client closes the connection, so an endless body lives only as long as the client reads it; `ceilingBytes`
 * resets the connection after that many bytes, so a client that never stops fails its test instead of taking the
 * test process down.
 */
export function streamBody(res: ServerResponse, next: () => Buffer | undefined, ceilingBytes = Number.POSITIVE_INFINITY): StreamedBody {
  let written = 0;
  let open = true;
  const closed = new Promise<void>((resolve) =>
    res.on('close', () => {
      open = false;
      resolve();
    }),
  );
  const pump = (): void => {
    while (open) {
      if (written >= ceilingBytes) {
        res.destroy();
        return;
      }
      const chunk = next();
      if (!chunk) {
        res.end();
        return;
      }
      written += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
  };
  pump();
  return { written: () => written, closed };
}
