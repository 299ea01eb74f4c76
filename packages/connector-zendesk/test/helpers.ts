import { createHttpClient, Redactor, silentLogger, type ConnectorContext, type TicketDraft } from '@ticketbridge/core';
import { zendesk, type ZendeskCredentials, type ZendeskOptions } from '../src/index.js';
import { startZendeskSimulator, type ZendeskSimulator, type ZendeskSimulatorOptions } from '../src/testing.js';

/** A connector context against a simulator, built the way the hub builds one (real HTTP client, real loopback). */
export function contextFor(sim: ZendeskSimulator, connector = zendesk(), credentials: ZendeskCredentials = sim.credentials()): ConnectorContext<ZendeskCredentials> {
  const parsed = connector.credentials.parse(credentials);
  const config = connector.http(parsed);
  const redactor = new Redactor([parsed.apiToken, ...Object.values(config.headers)]);
  return {
    connectionId: 'conn_test',
    credentials: parsed,
    http: createHttpClient(config, {
      platform: 'zendesk',
      redactor,
      baseUrlOverride: sim.url,
      retries: 4,
      minRetryDelayMs: 5,
      maxRetryDelayMs: 50,
      timeoutMs: 5_000,
      maxRateLimitWaitMs: 20_000,
    }),
    logger: silentLogger,
    signal: new AbortController().signal,
    metadata: {},
    overlapMs: 0,
    now: () => new Date(),
  };
}

/** Starts a simulator and closes it after the test. */
export async function withSimulator<T>(options: ZendeskSimulatorOptions, run: (sim: ZendeskSimulator) => Promise<T>): Promise<T> {
  const sim = await startZendeskSimulator(options);
  try {
    return await run(sim);
  } finally {
    await sim.close();
  }
}

/** Runs one whole pull and returns every page. */
export async function pullAll(ctx: ConnectorContext<ZendeskCredentials>, cursor: unknown, options: ZendeskOptions = {}, since?: string) {
  const pages: Array<{ tickets: TicketDraft[]; nextCursor: unknown }> = [];
  for await (const page of zendesk(options).pull(ctx, cursor as never, since ? { since } : {})) pages.push(page);
  return pages;
}
