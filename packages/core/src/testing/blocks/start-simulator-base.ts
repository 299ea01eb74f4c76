import type { FaultControl, RateLimitControl, SimulatorStats } from '../connector-simulator.js';
import { startLoopbackServer, type LoopbackServer, type SimRequest, type SimResponse } from '../loopback-server.js';
import { createFaultInjector, type FaultInjectorOptions } from './create-fault-injector.js';
import { createRateLimiter, type SimRateLimiterOptions } from './create-rate-limiter.js';

/** One route of a simulator. */
export interface SimRoute {
  method: string;
  /** `/api/tickets/:id` style (each `:name` matches one path segment) or a RegExp with named groups. */
  path: string | RegExp;
  /** Answers the request; `params` holds the decoded path parameters. */
  handler: (req: SimRequest, params: Record<string, string>) => SimResponse | Promise<SimResponse>;
  /** Skip `authenticate` for this route (public endpoints, OAuth token exchange). */
  public?: boolean;
}

/** Options of {@link startSimulatorBase}. */
export interface SimulatorBaseOptions {
  routes: SimRoute[];
  /**
   * Checks credentials before any non-public route: return the platform's error response to refuse, or
   * `undefined` to let the request through.
   */
  authenticate?: (req: SimRequest) => SimResponse | undefined;
  /** The platform's rate limiter settings; omit for a platform without one. */
  rateLimit?: SimRateLimiterOptions;
  /** Platform-specific fault responses (the 429 is wired to the rate limiter automatically). */
  faults?: Omit<FaultInjectorOptions, 'responses'> & { responses?: Omit<NonNullable<FaultInjectorOptions['responses']>, 'status429'> };
  /** The answer when no route matches (default 404 `{ error: 'not_found' }`); a path matched with another method gets 405. */
  notFound?: (req: SimRequest) => SimResponse;
}

/** A running simulator skeleton: the parts of `ConnectorSimulator` that are the same on every platform. */
export interface SimulatorBase {
  readonly url: string;
  readonly server: LoopbackServer;
  readonly faults: FaultControl;
  readonly rateLimit: RateLimitControl;
  stats(): SimulatorStats;
  resetStats(): void;
  close(): Promise<void>;
}

/**
 * Starts a loopback HTTP server that counts requests, applies the rate limiter and injected faults, checks
 * credentials and dispatches to a route table, so a platform simulator is mostly its routes. Order per request:
 * count → rate limit (a limited request never reaches faults or routes) → fault → authenticate → route. Rate-limit
 * headers are added to every response the routes produce.
 *
 * @example
 * ```ts
 * const base = await startSimulatorBase({
 *   authenticate: (req) => (req.headers.authorization === `Bearer ${token}` ? undefined : { status: 401, body: { error: 'invalid_token' } }),
 *   rateLimit: { limit: null, windowMs: 60_000, ...rateLimitPresets.acme },
 *   routes: [{ method: 'GET', path: '/api/tickets/:id', handler: (req, { id }) => ({ status: 200, body: table.get(id!) }) }],
 * });
 * ```
 */
export async function startSimulatorBase(options: SimulatorBaseOptions): Promise<SimulatorBase> {
  const limiter = options.rateLimit ? createRateLimiter(options.rateLimit) : undefined;
  const faults = createFaultInjector({
    ...options.faults,
    responses: {
      ...options.faults?.responses,
      ...(limiter ? { status429: (fault) => limiter.tooManyRequests(fault.delayMs ?? 1000) } : {}),
    },
  });
  const routes = options.routes.map((route) => ({ route, match: compilePath(route.path) }));
  let requests = 0;
  let injected429 = 0;
  let byPath: Record<string, number> = {};

  const dispatch = async (req: SimRequest): Promise<SimResponse> => {
    const path = req.url.pathname;
    let pathMatched = false;
    for (const { route, match } of routes) {
      const params = match(path);
      if (!params) continue;
      pathMatched = true;
      if (route.method.toUpperCase() !== req.method.toUpperCase()) continue;
      if (!route.public) {
        const refused = options.authenticate?.(req);
        if (refused) return refused;
      }
      return route.handler(req, params);
    }
    if (pathMatched) return { status: 405, body: { error: 'method_not_allowed', message: `${req.method} is not allowed on ${path}` } };
    return options.notFound?.(req) ?? { status: 404, body: { error: 'not_found', message: `No route for ${req.method} ${path}` } };
  };

  const server = await startLoopbackServer(async (req, res) => {
    requests += 1;
    byPath[req.url.pathname] = (byPath[req.url.pathname] ?? 0) + 1;
    let rateHeaders: Record<string, string> = {};
    if (limiter) {
      const decision = limiter.check();
      if (decision.limited) return decision.response;
      rateHeaders = decision.headers;
    }
    const out = await faults.apply(req, res, async () => {
      const response = await dispatch(req);
      return { ...response, headers: { ...rateHeaders, ...response.headers } };
    });
    if (out?.status === 429 && !limiter) injected429 += 1;
    return out;
  });

  return {
    url: server.url,
    server,
    faults,
    rateLimit: { set: (o) => (limiter ? limiter.set(o) : undefined) },
    stats: () => ({
      requests,
      rateLimited: (limiter?.rateLimited ?? 0) + injected429,
      limitViolations: limiter?.limitViolations ?? 0,
      byPath: { ...byPath },
    }),
    resetStats() {
      requests = 0;
      injected429 = 0;
      byPath = {};
      limiter?.resetStats();
    },
    close: () => server.close(),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Internal helpers
// ---------------------------------------------------------------------------------------------------------------

function compilePath(path: string | RegExp): (pathname: string) => Record<string, string> | undefined {
  const regex =
    typeof path === 'string'
      ? new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_, name: string) => `(?<${name}>[^/]+)`)}$`)
      : path;
  return (pathname) => {
    const m = regex.exec(pathname);
    if (!m) return undefined;
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.groups ?? {})) {
      try {
        params[k] = decodeURIComponent(v);
      } catch {
        params[k] = v;
      }
    }
    return params;
  };
}
