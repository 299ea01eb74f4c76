import type { ServerResponse } from 'node:http';
import type { FaultControl, FaultKind, RateLimitControl, SimResponse, SimulatorStats } from '@ticketbridge/core/testing';
import type { ZendeskSimAuth, ZendeskSimulatorOptions } from './types.js';

// https://developer.zendesk.com/api-reference/introduction/rate-limits/ (error body as Zendesk sends it)
const RATE_LIMITED = { error: 'APIRateLimitExceeded', description: 'Number of allowed API requests per minute exceeded' };
// Timers fire a little early now and then; do not count a request a few ms early as ignoring the limit.
const TOLERANCE_MS = 25;

interface Window {
  start: number;
  count: number;
}

function slot(w: Window, limit: number, windowMs: number, now: number) {
  if (now - w.start >= windowMs) {
    w.start = now;
    w.count = 0;
  }
  const resetMs = w.start + windowMs - now;
  if (w.count >= limit) return { ok: false as const, remaining: 0, resetMs };
  w.count++;
  return { ok: true as const, remaining: limit - w.count, resetMs };
}

/** What the gate decided: answer now (a fault, a 429), drop the connection, or go on with these headers. */
export type GateResult = { kind: 'answer'; response: SimResponse } | { kind: 'dropped' } | { kind: 'pass'; headers: Record<string, string | number> };

/**
 * Fault injection, the account-wide limit and the export limit, with Zendesk's headers: `X-Rate-Limit*`,
 * `ratelimit-*` and `Zendesk-RateLimit-incremental-exports: total=10; remaining=9; resets=2`. It also counts
 * requests sent while the client had been told to wait (limit violations), which the conformance suite checks.
 */
export function createLimits(options: ZendeskSimulatorOptions<ZendeskSimAuth>) {
  const exportLimit = options.exportLimitPerMinute ?? 10;
  const exportWindowMs = options.exportWindowMs ?? 60_000;
  let stats: SimulatorStats = { requests: 0, rateLimited: 0, limitViolations: 0, byPath: {} };
  let accountLimit: { limit: number; windowMs: number } | null = { limit: options.accountLimitPerMinute ?? 700, windowMs: 60_000 };
  const accountWindow: Window = { start: 0, count: 0 };
  const exportWindow: Window = { start: 0, count: 0 };
  // Until when the simulator told the client to wait (per bucket). A request before that is a violation.
  let accountBlockedUntil = 0;
  let exportBlockedUntil = 0;
  const faults: Array<{ kind: FaultKind; count: number; path?: RegExp; delayMs: number }> = [];

  const faultControl: FaultControl = {
    inject(kind, o = {}) {
      faults.push({ kind, count: o.count ?? 1, ...(o.path ? { path: o.path } : {}), delayMs: o.delayMs ?? 2_000 });
    },
    clear() {
      faults.length = 0;
    },
  };
  const rateLimit: RateLimitControl = {
    set(o) {
      accountLimit = o;
      accountWindow.start = 0;
      accountWindow.count = 0;
      accountBlockedUntil = 0;
    },
  };

  function takeFault(path: string) {
    const i = faults.findIndex((f) => !f.path || f.path.test(path));
    if (i < 0) return undefined;
    const f = faults[i]!;
    if (--f.count <= 0) faults.splice(i, 1);
    return f;
  }

  /** `limited: false` for endpoints outside the API's rate limits (the OAuth server): faults still apply. */
  async function gate(path: string, res: ServerResponse, limited = true): Promise<GateResult> {
    stats.requests++;
    stats.byPath[path] = (stats.byPath[path] ?? 0) + 1;
    const fault = takeFault(path);
    if (fault) {
      switch (fault.kind) {
        case 'status500':
          return { kind: 'answer', response: { status: 500, body: { error: 'InternalServerError', description: 'Something went wrong' } } };
        case 'status502':
          return { kind: 'answer', response: { status: 502, headers: { 'content-type': 'text/html' }, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' } };
        case 'status503':
          return { kind: 'answer', response: { status: 503, headers: { 'retry-after': '1' }, body: { error: 'ServiceUnavailable', description: 'Service temporarily unavailable' } } };
        case 'status429':
          accountBlockedUntil = Math.max(accountBlockedUntil, Date.now() + 1000);
          stats.rateLimited++;
          return { kind: 'answer', response: { status: 429, headers: { 'retry-after': '1' }, body: RATE_LIMITED } };
        case 'reset':
          res.socket?.destroy();
          return { kind: 'dropped' };
        case 'truncated': {
          const payload = Buffer.from(JSON.stringify({ tickets: [], end_of_stream: false, after_cursor: 'x'.repeat(200) }));
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': payload.length });
          res.write(payload.subarray(0, Math.floor(payload.length / 2)));
          setTimeout(() => res.socket?.destroy(), 5);
          return { kind: 'dropped' };
        }
        case 'slow':
          await new Promise((r) => setTimeout(r, fault.delayMs));
          break;
      }
    }

    if (!limited) return { kind: 'pass', headers: {} };
    const now = Date.now();
    const isExport = /^\/api\/v2\/incremental\//.test(path);
    if (now + TOLERANCE_MS < accountBlockedUntil || (isExport && now + TOLERANCE_MS < exportBlockedUntil)) stats.limitViolations++;

    const headers: Record<string, string | number> = {};
    if (accountLimit) {
      const s = slot(accountWindow, accountLimit.limit, accountLimit.windowMs, now);
      const resetS = Math.max(1, Math.ceil(s.resetMs / 1000));
      Object.assign(headers, { 'x-rate-limit': accountLimit.limit, 'x-rate-limit-remaining': s.remaining, 'ratelimit-limit': accountLimit.limit, 'ratelimit-remaining': s.remaining, 'ratelimit-reset': resetS });
      if (!s.ok) {
        stats.rateLimited++;
        accountBlockedUntil = Math.max(accountBlockedUntil, now + s.resetMs);
        return { kind: 'answer', response: { status: 429, headers: { ...headers, 'retry-after': resetS }, body: RATE_LIMITED } };
      }
      if (s.remaining === 0) accountBlockedUntil = Math.max(accountBlockedUntil, now + s.resetMs);
    }
    if (isExport) {
      const s = slot(exportWindow, exportLimit, exportWindowMs, now);
      const resetS = Math.max(1, Math.ceil(s.resetMs / 1000));
      headers['zendesk-ratelimit-incremental-exports'] = `total=${exportLimit}; remaining=${s.remaining}; resets=${resetS}`;
      if (!s.ok) {
        stats.rateLimited++;
        exportBlockedUntil = Math.max(exportBlockedUntil, now + s.resetMs);
        return { kind: 'answer', response: { status: 429, headers: { ...headers, 'retry-after': resetS }, body: RATE_LIMITED } };
      }
      if (s.remaining === 0) exportBlockedUntil = Math.max(exportBlockedUntil, now + s.resetMs);
    }
    return { kind: 'pass', headers };
  }

  return {
    gate,
    faultControl,
    rateLimit,
    stats: (): SimulatorStats => ({ ...stats, byPath: { ...stats.byPath } }),
    resetStats() {
      stats = { requests: 0, rateLimited: 0, limitViolations: 0, byPath: {} };
    },
  };
}
