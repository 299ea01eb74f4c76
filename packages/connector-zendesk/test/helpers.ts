import type { ConnectorContext, TicketDraft } from '@ticketbridge/core';
import { type ZendeskCursor, zendesk, type ZendeskCredentials, type ZendeskOptions } from '../src/index.js';
import { startZendeskSimulator, type ZendeskSimulator, type ZendeskSimulatorOptions } from '../src/testing.js';

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
export async function pullAll(ctx: ConnectorContext<ZendeskCredentials>, cursor: unknown, options: ZendeskOptions = {}) {
  const pages: Array<{ tickets: TicketDraft[]; nextCursor: unknown }> = [];
  for await (const page of zendesk(options).pull(ctx, { cursor: cursor as ZendeskCursor | null })) pages.push(page);
  return pages;
}
