import type { PullPage } from '../connector/pull-page.js';
import type { TicketDraft } from '../model/ticket.js';

/** Runs a connector's pull to its end and returns every page, for tests that call `pull` directly. */
export async function drainPull<TCursor>(pages: AsyncIterable<PullPage<TCursor>>): Promise<Array<PullPage<TCursor>>> {
  const out: Array<PullPage<TCursor>> = [];
  for await (const page of pages) out.push(page);
  return out;
}

/** The latest draft of each ticket across pages (a later page's version of a ticket replaces an earlier one). */
export function latestById(pages: ReadonlyArray<PullPage<unknown>>): Map<string, TicketDraft> {
  const out = new Map<string, TicketDraft>();
  for (const p of pages) for (const t of p.tickets) out.set(t.externalId, t);
  return out;
}
