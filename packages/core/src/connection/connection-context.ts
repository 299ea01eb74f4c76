import type { AnyConnector } from '../connector/connector.js';
import type { ConnectorContext } from '../connector/connector-context.js';
import { Redactor } from '../credentials/redact.js';
import { createHttpClient, type HttpClientOptions, type HttpObserver } from '../http/index.js';
import type { Logger } from '../util/logger.js';
import type { JsonObject } from '../util/json.js';

/** HTTP settings a hub applies to every connection (tests shorten the delays). */
export type HttpDefaults = Partial<Pick<HttpClientOptions, 'timeoutMs' | 'retries' | 'minRetryDelayMs' | 'maxRetryDelayMs' | 'maxRateLimitWaitMs' | 'maxResponseBytes'>>;

/** Builds the redactor for a connection: secret credential fields plus every auth header value. */
export function connectionRedactor(connector: AnyConnector, credentials: Record<string, unknown>, secretFields: string[], extra: string[] = []): Redactor {
  const secrets: string[] = [...extra];
  for (const f of secretFields) if (typeof credentials[f] === 'string') secrets.push(credentials[f] as string);
  try {
    const { headers } = connector.http(credentials);
    for (const value of Object.values(headers)) {
      secrets.push(value);
      // `Basic xxx` / `Bearer xxx`: the token part alone too.
      const space = value.indexOf(' ');
      if (space > 0) secrets.push(value.slice(space + 1));
    }
  } catch {
    // http() may throw on credentials that failed validation; the raw secrets above still cover them.
  }
  return new Redactor(secrets);
}

function redactingLogger(logger: Logger, redactor: Redactor, fields: Record<string, unknown>): Logger {
  const wrap = (fn: Logger['info']) => (message: string, extra?: Record<string, unknown>) =>
    fn(redactor.string(message), redactor.value({ ...fields, ...extra }));
  return { debug: wrap(logger.debug), info: wrap(logger.info), warn: wrap(logger.warn), error: wrap(logger.error) };
}

/** Everything needed to give a connector its context for one piece of work. */
export interface ContextOptions {
  connector: AnyConnector;
  connectionId: string;
  credentials: Record<string, unknown>;
  secretFields: string[];
  metadata: JsonObject;
  baseUrl?: string;
  logger: Logger;
  signal: AbortSignal;
  http: HttpDefaults;
  overlapMs?: number;
  observer?: HttpObserver;
}

/** Builds a {@link ConnectorContext}: a configured HTTP client, a redacting logger, the abort signal. */
export function createConnectorContext(options: ContextOptions): { ctx: ConnectorContext<Record<string, unknown>>; redactor: Redactor } {
  const { connector } = options;
  const redactor = connectionRedactor(connector, options.credentials, options.secretFields);
  const logger = redactingLogger(options.logger, redactor, { platform: connector.id, connectionId: options.connectionId });
  const http = createHttpClient(connector.http(options.credentials), {
    platform: connector.id,
    redactor,
    logger,
    signal: options.signal,
    ...options.http,
    ...(options.baseUrl ? { baseUrlOverride: options.baseUrl } : {}),
    ...(options.observer ? { observer: options.observer } : {}),
  });
  const ctx: ConnectorContext<Record<string, unknown>> = {
    connectionId: options.connectionId,
    credentials: options.credentials,
    http,
    logger,
    signal: options.signal,
    metadata: options.metadata,
    overlapMs: options.overlapMs ?? connector.defaultOverlapMs ?? 60_000,
    now: () => new Date(),
  };
  return { ctx, redactor };
}
