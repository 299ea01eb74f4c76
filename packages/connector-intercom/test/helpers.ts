import type { PullPage, TicketDraft } from '@ticketbridge/core';
import { createTestContext } from '@ticketbridge/core/testing';
import { intercom, type IntercomCursor, type IntercomOptions } from '../src/index.js';
import { startIntercomSimulator, type IntercomSimulator, type IntercomSimulatorOptions } from '../src/testing.js';

const open: IntercomSimulator[] = [];

/** Closes the simulators {@link setup} started; call it from `afterEach`. */
export async function closeSimulators(): Promise<void> {
  for (const s of open.splice(0)) await s.close();
}

/** A simulator, the connector and a context bound to it, as a hub would build them (after Test & Connect). */
export async function setup(options: IntercomSimulatorOptions = {}, connectorOptions: IntercomOptions = {}, overlapMs?: number) {
  const sim = await startIntercomSimulator(options);
  open.push(sim);
  const connector = intercom(connectorOptions);
  const bare = createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url });
  const info = await connector.testConnection(bare);
  const ctx = createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url, metadata: info.metadata ?? {}, ...(overlapMs === undefined ? {} : { overlapMs }) });
  sim.resetStats();
  return { sim, connector, ctx, info };
}

/** Runs a pull to its end. */
export async function drain(pages: AsyncIterable<PullPage<IntercomCursor>>): Promise<Array<PullPage<IntercomCursor>>> {
  const out: Array<PullPage<IntercomCursor>> = [];
  for await (const page of pages) out.push(page);
  return out;
}

/** The latest draft of each item across pages. */
export function latestById(pages: ReadonlyArray<PullPage<unknown>>): Map<string, TicketDraft> {
  const out = new Map<string, TicketDraft>();
  for (const p of pages) for (const t of p.tickets) out.set(t.externalId, t);
  return out;
}
