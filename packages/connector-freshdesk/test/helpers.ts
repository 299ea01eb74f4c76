import type { PullPage, TicketDraft } from '@ticketbridge/core';
import { createTestContext } from '@ticketbridge/core/testing';
import { freshdesk, type FreshdeskCursor, type FreshdeskOptions } from '../src/index.js';
import { startFreshdeskSimulator, type FreshdeskSimulator, type FreshdeskSimulatorOptions } from '../src/testing.js';

const open: FreshdeskSimulator[] = [];

/** Closes the simulators {@link setup} started; call it from `afterEach`. */
export async function closeSimulators(): Promise<void> {
  for (const s of open.splice(0)) await s.close();
}

/** A simulator, the connector and a context bound to it, as a hub would build them. */
export async function setup(options: FreshdeskSimulatorOptions = {}, connectorOptions: FreshdeskOptions = {}) {
  const sim = await startFreshdeskSimulator(options);
  open.push(sim);
  const connector = freshdesk(connectorOptions);
  const ctx = createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url });
  return { sim, connector, ctx };
}

/** Runs a pull to its end. */
export async function drain(pages: AsyncIterable<PullPage<FreshdeskCursor>>): Promise<Array<PullPage<FreshdeskCursor>>> {
  const out: Array<PullPage<FreshdeskCursor>> = [];
  for await (const page of pages) out.push(page);
  return out;
}

/** The latest draft of each ticket across pages. */
export function latestById(pages: ReadonlyArray<PullPage<unknown>>): Map<string, TicketDraft> {
  const out = new Map<string, TicketDraft>();
  for (const p of pages) for (const t of p.tickets) out.set(t.externalId, t);
  return out;
}
