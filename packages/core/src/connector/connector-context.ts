import type { Logger } from '../util/logger.js';
import type { JsonObject } from '../util/json.js';
import type { HttpClient } from './http-client.js';

/** Everything a connector may use while working for one connection. */
export interface ConnectorContext<TCredentials> {
  /** The connection's id. */
  readonly connectionId: string;
  /** The validated credentials. Never log them; `logger` is already redacted. */
  readonly credentials: TCredentials;
  /** HTTP client bound to this connection: base URL, auth, rate limits, retries, timeouts. */
  readonly http: HttpClient;
  /** Logger that redacts this connection's secrets. */
  readonly logger: Logger;
  /** Aborted when the hub closes or the connection is paused; pass it on to long waits. */
  readonly signal: AbortSignal;
  /** What `testConnection` returned when the connection was made (account ids, portal id...). */
  readonly metadata: JsonObject;
  /**
   * How far back a time-based cursor re-reads, in milliseconds. Repeats are dropped by the engine's dedupe, so
   * this only trades a few extra reads for never missing a same-second or index-lagged update.
   */
  readonly overlapMs: number;
  /** Current time; the testing kit replaces it to make time-based tests deterministic. */
  now(): Date;
}
