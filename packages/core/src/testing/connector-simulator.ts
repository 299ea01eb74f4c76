import type { TicketPriority, TicketStatus } from '../model/ticket.js';

/**
 * What the conformance suite needs from a platform simulator. Every connector's simulator implements it, so one
 * suite checks every connector the same way.
 */
export interface ConnectorSimulator<TCredentials = Record<string, unknown>> {
  /** Origin of the simulator (`http://127.0.0.1:<port>`), passed to `hub.connect({ baseUrl })`. */
  readonly url: string;
  /** Credentials this simulator accepts. */
  credentials(): TCredentials;
  /** Credential sets it rejects, each with the field the `CredentialsError` must name. */
  badCredentials(): Array<{ description: string; credentials: TCredentials; field: string }>;
  /** Creates `count` tickets (deterministic for a seed); returns their external ids. */
  seed(count: number): Promise<string[]>;
  /**
   * Changes these tickets (new updated time, new status or tags); returns the ids changed. `at` (ISO-8601) sets the
   * new updated time instead of the simulator's next tick: the suite puts an update in the very second of the newest
   * change a pull already read, which a connector resuming at "last seen + 1 s" misses. A platform whose change feed
   * is ordered by write sequence still places the change at the end of its feed.
   */
  update(externalIds: string[], options?: { at?: string }): Promise<string[]>;
  /**
   * Deletes these tickets as the platform's own delete does (soft delete, archive...); returns the ids deleted.
   * Their next version must reach the host as `ticket.deleted`.
   */
  remove(externalIds: string[]): Promise<string[]>;
  /**
   * Every status and priority the platform documents, as its API prints them (the value that lands in `rawStatus` /
   * `rawPriority`), each with what the platform's documentation says it means in the model. Written from the docs,
   * never from the connector's mapping; `seed(count)` produces every one of them. Where the meaning depends on other
   * fields (a HubSpot ticket without a stage is closed when its close date is set), list every allowed status.
   */
  readonly vocabulary: {
    statuses: ReadonlyArray<readonly [raw: string | null, status: TicketStatus | readonly TicketStatus[]]>;
    priorities: ReadonlyArray<readonly [raw: string | null, priority: TicketPriority | null]>;
  };
  /** Every ticket the API would return now: external id → updatedAt as ISO-8601 UTC (what normalize produces). */
  snapshot(): Map<string, string>;
  /** Fault injection on the platform API. */
  readonly faults: FaultControl;
  /** Rate limiting on the platform API. */
  readonly rateLimit: RateLimitControl;
  /** Request counters since start or the last `resetStats`. */
  stats(): SimulatorStats;
  resetStats(): void;
  /** Present when the platform sends webhooks. */
  readonly webhooks?: SimulatorWebhooks;
  close(): Promise<void>;
}

/** Counters a simulator keeps. */
export interface SimulatorStats {
  requests: number;
  /** Responses answered 429. */
  rateLimited: number;
  /**
   * Requests that arrived while the simulator had told the client to wait: after a response whose rate-limit headers
   * said none are left until the reset, or during a 429's wait (a connector ignoring limits).
   */
  limitViolations: number;
  /** Requests per path (without query). */
  byPath: Record<string, number>;
}

/** Kinds of injected fault. */
export type FaultKind = 'status500' | 'status502' | 'status503' | 'status429' | 'reset' | 'slow' | 'truncated';

/** Injects faults into the next responses. */
export interface FaultControl {
  /**
   * The next `count` requests (optionally only those whose path matches) fail with `kind`. `delayMs` is the delay
   * of `slow` and the `Retry-After` of `status429`/`status503`; `resetAt` says whether a `reset` happens before any
   * byte of the response (`start`, the default) or after the headers and part of the body (`body`).
   */
  inject(kind: FaultKind, options?: { count?: number; path?: RegExp; delayMs?: number; resetAt?: 'start' | 'body' }): void;
  /** Removes pending faults. */
  clear(): void;
}

/** Rate-limit settings of a simulator (per window). */
export interface RateLimitControl {
  /** Limits to `limit` requests per `windowMs`; `null` turns limiting off. */
  set(options: { limit: number; windowMs: number } | null): void;
}

/** Webhook delivery from the simulator to a host. */
export interface SimulatorWebhooks {
  /**
   * Sends the platform's webhook for these tickets' current versions to `url`, signed as the platform signs.
   * `secret` is needed for host-generated secrets; `forge` signs with a wrong key; `sentAt` signs the request as if
   * it had been sent then (a captured request replayed later), for platforms whose signature covers a time.
   */
  deliver(
    url: string,
    externalIds: string[],
    options?: { secret?: string; forge?: boolean; event?: 'created' | 'updated' | 'deleted'; sentAt?: Date },
  ): Promise<{ status: number; body: string }>;
  /**
   * The target URLs of the webhooks registered through the platform's API right now. Required of a simulator whose
   * connector registers its webhook (`webhook.register`): the suite checks that connect registers and disconnect
   * removes exactly what it made.
   */
  registered?(): string[];
}
