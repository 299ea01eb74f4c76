import type { z } from 'zod';
import type { Connector } from '../connector/connector.js';
import type { ConnectorContext } from '../connector/connector-context.js';
import { secretFieldNames, type CredentialsSchema } from '../credentials/describe-credentials.js';
import { createConnectorContext, type HttpDefaults } from '../connection/connection-context.js';
import { silentLogger, type Logger } from '../util/logger.js';
import type { JsonObject } from '../util/json.js';
import { TEST_HUB_DEFAULTS } from './test-hub-defaults.js';

/** Options of {@link createTestContext}. */
export interface TestContextOptions<TSchema extends CredentialsSchema> {
  /** The connector under test; its `http()` and credentials schema shape the context. */
  connector: Connector<TSchema>;
  /** Credentials as a user enters them; validated with the connector's schema first, as `hub.connect` does. */
  credentials: z.input<TSchema>;
  /**
   * Where requests go, usually a simulator's `url`. It replaces the origin of the base URL the connector builds from
   * the credentials and keeps its path, as a connection's `baseUrl` does.
   */
  baseUrl: string;
  /** What `testConnection` returned for the connection (portal ids, roles...). Default `{}`. */
  metadata?: JsonObject;
  /** Receives the context's log lines, with the connection's secrets redacted. Default: discards them. */
  logger?: Logger;
  /** Aborts the context's requests and waits. Default: a signal that never aborts. */
  signal?: AbortSignal;
  /** HTTP settings over the test defaults of {@link TEST_HUB_DEFAULTS} (a few retries, millisecond back-off). */
  http?: HttpDefaults;
  /** Default `conn_test`. */
  connectionId?: string;
  /** Default: the connector's `defaultOverlapMs`, as for a hub's connection. */
  overlapMs?: number;
}

/**
 * Builds the {@link ConnectorContext} a hub would give a connector for one connection, pointed at a simulator, so a
 * test can call `testConnection`, `pull`, `fetchTicket` or `webhook.register` directly and still run the same
 * code a hub runs: credentials validated by the connector's schema, core's HTTP client (rate limits, retries,
 * typed errors, body caps), the redactor built from the secret fields and auth headers, and the redacting logger.
 * The only differences from a hub are test-friendly HTTP delays and no store behind it.
 *
 * @example
 * ```ts
 * import { acme, createTestContext, startAcmeSimulator } from '@ticketbridge/core/testing';
 *
 * const sim = await startAcmeSimulator({ tickets: 30 });
 * const connector = acme();
 * const ctx = createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url });
 * await connector.testConnection(ctx);
 * for await (const page of connector.pull(ctx, { cursor: null })) console.log(page.tickets.length);
 * await sim.close();
 * ```
 */
export function createTestContext<TSchema extends CredentialsSchema>(options: TestContextOptions<TSchema>): ConnectorContext<z.infer<TSchema>> {
  const { connector } = options;
  const credentials = connector.credentials.parse(options.credentials) as Record<string, unknown>;
  const { ctx } = createConnectorContext({
    connector,
    connectionId: options.connectionId ?? 'conn_test',
    credentials,
    secretFields: secretFieldNames(connector.credentials),
    metadata: options.metadata ?? {},
    baseUrl: options.baseUrl,
    logger: options.logger ?? silentLogger,
    signal: options.signal ?? new AbortController().signal,
    http: { ...TEST_HUB_DEFAULTS.http, ...options.http },
    ...(options.overlapMs === undefined ? {} : { overlapMs: options.overlapMs }),
  });
  return ctx as ConnectorContext<z.infer<TSchema>>;
}
