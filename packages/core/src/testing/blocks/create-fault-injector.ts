import type { ServerResponse } from 'node:http';
import type { FaultControl, FaultKind } from '../connector-simulator.js';
import type { SimRequest, SimResponse } from '../loopback-server.js';

/** One pending fault. */
export interface PendingFault {
  kind: FaultKind;
  /** Requests this fault still applies to. */
  remaining: number;
  path?: RegExp;
  delayMs?: number;
  resetAt?: 'start' | 'body';
}

/** Options of {@link createFaultInjector}. */
export interface FaultInjectorOptions {
  /**
   * The platform's own error responses, replacing the defaults (a JSON 500, an nginx-style HTML 502, a JSON 503).
   * `status429` receives the Retry-After in ms; wire it to `SimRateLimiter.tooManyRequests` so an injected 429 looks
   * like the platform's and counts toward limit violations.
   */
  responses?: Partial<Record<'status500' | 'status502' | 'status503' | 'status429', (fault: PendingFault) => SimResponse>>;
  /** Clock-free sleep, replaceable in tests (default `setTimeout`). */
  sleep?: (ms: number) => Promise<void>;
}

/** Fault injection for a simulator: the {@link FaultControl} the conformance suite drives, plus the hook to apply it. */
export interface FaultInjector extends FaultControl {
  /**
   * Runs one request through the next matching fault, if any. `serve` produces the normal response; the result is
   * what to send, or `undefined` when the fault already wrote to (or destroyed) the socket.
   */
  apply(req: SimRequest, res: ServerResponse, serve: () => Promise<SimResponse | undefined>): Promise<SimResponse | undefined>;
  /** Faults not yet used up, in injection order. */
  pending(): readonly PendingFault[];
}

/**
 * Creates a fault injector. Each kind is observable by a real HTTP client exactly as on the wire:
 * `status500`/`status502`/`status503` send those statuses with bodies; `status429` a 429 with `Retry-After`;
 * `reset` destroys the socket before the response (or, with `resetAt: 'body'`, after the headers and part of a
 * chunked body); `slow` delays the normal response by `delayMs`; `truncated` announces the full `content-length`,
 * writes half the body and destroys the socket.
 *
 * @example
 * ```ts
 * const faults = createFaultInjector();
 * faults.inject('status503', { count: 2, path: /\/tickets/ });
 * return faults.apply(req, res, () => routes(req));
 * ```
 */
export function createFaultInjector(options: FaultInjectorOptions = {}): FaultInjector {
  const queue: PendingFault[] = [];
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const responses = options.responses ?? {};

  const take = (req: SimRequest): PendingFault | undefined => {
    const index = queue.findIndex((f) => !f.path || f.path.test(req.url.pathname));
    if (index < 0) return undefined;
    const fault = queue[index]!;
    fault.remaining -= 1;
    if (fault.remaining <= 0) queue.splice(index, 1);
    return fault;
  };

  return {
    inject(kind, o = {}) {
      const count = o.count ?? 1;
      if (!Number.isInteger(count) || count < 1) throw new RangeError(`[ticketbridge] fault count must be a positive integer, got ${count}`);
      queue.push({ kind, remaining: count, ...(o.path ? { path: o.path } : {}), ...(o.delayMs === undefined ? {} : { delayMs: o.delayMs }), ...(o.resetAt ? { resetAt: o.resetAt } : {}) });
    },
    clear() {
      queue.length = 0;
    },
    pending: () => queue.map((f) => ({ ...f })),
    async apply(req, res, serve) {
      const fault = take(req);
      if (!fault) return serve();
      switch (fault.kind) {
        case 'status500':
          return responses.status500?.(fault) ?? { status: 500, body: { error: 'internal_error', message: 'Internal Server Error' } };
        case 'status502':
          return (
            responses.status502?.(fault) ?? {
              status: 502,
              headers: { 'content-type': 'text/html' },
              body: '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n',
            }
          );
        case 'status503':
          return (
            responses.status503?.(fault) ?? {
              status: 503,
              headers: fault.delayMs === undefined ? {} : { 'retry-after': String(Math.max(1, Math.ceil(fault.delayMs / 1000))) },
              body: { error: 'service_unavailable', message: 'Service Unavailable' },
            }
          );
        case 'status429': {
          const retryAfterMs = fault.delayMs ?? 1000;
          return responses.status429?.(fault) ?? { status: 429, headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) }, body: { error: 'rate_limited', message: 'Too Many Requests' } };
        }
        case 'slow':
          await sleep(fault.delayMs ?? 1000);
          return serve();
        case 'reset': {
          if (fault.resetAt !== 'body') {
            res.destroy();
            return undefined;
          }
          const out = await serve();
          const payload = out ? bodyBytes(out.body) : Buffer.alloc(0);
          // Chunked (no content-length), so the client learns of the loss only from the reset itself.
          res.writeHead(out?.status ?? 200, { ...stringHeaders(out?.headers), 'transfer-encoding': 'chunked' });
          res.write(payload.subarray(0, Math.max(1, Math.floor(payload.length / 2))));
          setImmediate(() => res.destroy());
          return undefined;
        }
        case 'truncated': {
          const out = await serve();
          const payload = out ? bodyBytes(out.body) : Buffer.alloc(0);
          const headers: Record<string, string> = { ...stringHeaders(out?.headers), 'content-length': String(Math.max(payload.length, 2)) };
          if (out && typeof out.body === 'object' && !Buffer.isBuffer(out.body) && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
            headers['content-type'] = 'application/json; charset=utf-8';
          }
          res.writeHead(out?.status ?? 200, headers);
          res.write(payload.subarray(0, Math.floor(payload.length / 2)));
          // Destroy after the partial write is flushed, so the client sees a body that stops short.
          setImmediate(() => res.destroy());
          return undefined;
        }
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Internal helpers
// ---------------------------------------------------------------------------------------------------------------

function bodyBytes(body: unknown): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body);
  return Buffer.from(JSON.stringify(body));
}

function stringHeaders(headers: Record<string, string | number> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (k.toLowerCase() !== 'content-length') out[k] = String(v);
  return out;
}
