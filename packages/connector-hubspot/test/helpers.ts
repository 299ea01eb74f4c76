import type { PullPage, TicketDraft } from '@ticketbridge/core';
import type { HubSpotOptions } from '../src/index.js';

/** Runs a pull to the end, returning its pages. */
export async function drain<C>(iterable: AsyncIterable<PullPage<C>>): Promise<Array<PullPage<C>>> {
  const pages: Array<PullPage<C>> = [];
  for await (const page of iterable) pages.push(page);
  return pages;
}

/** The latest version per ticket id over a set of pages. */
export function latestById(pages: Array<PullPage<unknown>>): Map<string, TicketDraft> {
  const out = new Map<string, TicketDraft>();
  for (const p of pages) for (const t of p.tickets) out.set(t.externalId, t);
  return out;
}

export type { HubSpotOptions };
