import { Redactor, createHttpClient, silentLogger, type ConnectorContext, type JsonObject, type PullPage, type TicketDraft } from '@ticketbridge/core';
import { hubspot, type HubSpotCredentials, type HubSpotOptions } from '../src/index.js';

/** A connector context over real loopback HTTP to a simulator, through core's HTTP client with fast retries. */
export async function makeContext(options: {
  connector?: ReturnType<typeof hubspot>;
  credentials: HubSpotCredentials;
  baseUrl: string;
  metadata?: JsonObject;
  overlapMs?: number;
  connectionId?: string;
}): Promise<ConnectorContext<HubSpotCredentials>> {
  const connector = options.connector ?? hubspot();
  const credentials = connector.credentials.parse(options.credentials);
  const redactor = new Redactor([credentials.accessToken, ...(credentials.clientSecret ? [credentials.clientSecret] : [])]);
  const http = createHttpClient(connector.http(credentials), {
    platform: connector.id,
    redactor,
    logger: silentLogger,
    retries: 4,
    minRetryDelayMs: 5,
    maxRetryDelayMs: 50,
    timeoutMs: 5_000,
    maxRateLimitWaitMs: 20_000,
    baseUrlOverride: options.baseUrl,
  });
  return {
    connectionId: options.connectionId ?? 'conn_test',
    credentials,
    http,
    logger: silentLogger,
    signal: new AbortController().signal,
    metadata: options.metadata ?? {},
    overlapMs: options.overlapMs ?? connector.defaultOverlapMs ?? 0,
    now: () => new Date(),
  };
}

/** Runs a pull to the end, returning its pages. */
export async function drain(iterable: AsyncIterable<PullPage>): Promise<PullPage[]> {
  const pages: PullPage[] = [];
  for await (const page of iterable) pages.push(page);
  return pages;
}

/** The latest version per ticket id over a set of pages. */
export function latestById(pages: PullPage[]): Map<string, TicketDraft> {
  const out = new Map<string, TicketDraft>();
  for (const p of pages) for (const t of p.tickets) out.set(t.externalId, t);
  return out;
}

export type { HubSpotOptions };
