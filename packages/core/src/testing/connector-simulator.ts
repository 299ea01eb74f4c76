import type { TicketPriority, TicketStatus } from '../model/ticket.js';

/**
 * The text of the `unicode` edge case: accents, CJK, Arabic (right to left), Cyrillic, emoji with a joiner, and the
 * characters markup treats specially (a `<word>` that is no HTML element, an entity spelled out), which a plain-text
 * field must keep as they are.
 */
export const EDGE_CASE_TEXT = 'Zoë Ñandú — 北京の東京 — مرحبا بك — Привет — 👩🏽‍💻🚀 — 5 > 3 & "quotes" — <not a tag> &amp;';

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
  /**
   * Creates the hard cases real accounts hold, stored the way the platform stores them, and returns their ids:
   * `sparse` leaves every optional field missing, null or empty as far as the platform allows (no assignee,
   * organization, priority or tags; an empty subject and description); `unicode` uses {@link EDGE_CASE_TEXT} as the
   * subject and as the description; `huge` has a description of `length` characters (about 256 KiB). `html` is for
   * platforms whose description may hold HTML (a rich-text editor's or an email's markup, with entities, line breaks
   * and a script): the ticket's id and the plain `text` a reader of that HTML sees, lines joined by `\n`. Leave it
   * out where the description is always plain text.
   */
  seedEdgeCases(): Promise<{ sparse: string; unicode: string; huge: { id: string; length: number }; html?: { id: string; text: string } }>;
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
