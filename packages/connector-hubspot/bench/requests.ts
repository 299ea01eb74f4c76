/**
 * `pnpm bench` (this package): HTTP requests a first sync of 10,000 HubSpot tickets costs, against the minimum its
 * data needs (issue 17): one search page per 200 tickets, one associations batch per page, one contacts batch per
 * 100 requesters not read before in the pull (a repeat requester costs nothing), plus pipelines and owners once.
 * Counts, not timings: the figure is exact on any machine. Knob: `BENCH_TICKETS=10000`.
 */
import { createTestContext } from '@ticketbridge/core/testing';
import { hubspot } from '../src/index.js';
import { startHubSpotSimulator } from '../src/testing.js';

const TICKETS = Number(process.env.BENCH_TICKETS ?? 10_000);
const sim = await startHubSpotSimulator({ seed: 1, rateLimit: null, searchRateLimit: null });
try {
  await sim.seed(TICKETS);
  const connector = hubspot({ pollDeletions: false });
  const info = await connector.testConnection(createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url }));
  const ctx = createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url, metadata: info.metadata ?? {} });
  const before = sim.stats();
  const seen = new Set<string>();
  const distinct = new Set<string>();
  let tickets = 0;
  let contactBatches = 0;
  for await (const page of connector.pull(ctx, { cursor: null })) {
    if (page.tickets.length === 0) continue;
    tickets += page.tickets.length;
    for (const t of page.tickets) distinct.add(t.externalId);
    const fresh = new Set(page.tickets.flatMap((t) => (t.requester && !seen.has(t.requester.externalId) ? [t.requester.externalId] : [])));
    for (const id of fresh) seen.add(id);
    contactBatches += Math.ceil(fresh.size / 100);
  }
  const after = sim.stats();
  const used = (path: string) => (after.byPath[path] ?? 0) - (before.byPath[path] ?? 0);
  // Each search is a fresh query from the last modified date read, so a page may repeat the previous page's last
  // ticket(s) (delivered once: the engine drops the repeat): the minimum counts distinct tickets, 200 per page.
  const minPages = Math.ceil(distinct.size / 200);
  const rows: Array<[string, number, number]> = [
    ['search pages (200 tickets each)', used('/crm/v3/objects/tickets/search'), minPages],
    ['ticket->contact association batches (one per page)', used('/crm/v4/associations/tickets/contacts/batch/read'), minPages],
    ['contact batches (100 requesters not read before)', used('/crm/v3/objects/contacts/batch/read'), contactBatches],
    ['pipelines + owners (once per pull)', used('/crm/v3/pipelines/tickets') + used('/crm/v3/owners'), 2],
  ];
  const total = after.requests - before.requests;
  const minimum = rows.reduce((sum, r) => sum + r[2], 0);
  const fmt = (n: number) => n.toLocaleString('en-US');
  console.log(`HubSpot first sync of ${fmt(distinct.size)} tickets (${fmt(tickets - distinct.size)} boundary re-reads, ${fmt(seen.size)} distinct requesters): requests against the minimum the data needs`);
  for (const [what, got, min] of rows) console.log(`  ${what.padEnd(52)} ${String(got).padStart(6)}  minimum ${String(min).padStart(6)}`);
  console.log(`  ${'total'.padEnd(52)} ${String(total).padStart(6)}  minimum ${String(minimum).padStart(6)}`);
  console.log(`Requests per 10k tickets: ${((total / distinct.size) * 10_000).toFixed(0)} (minimum ${((minimum / distinct.size) * 10_000).toFixed(0)}); aim (at the minimum): ${total <= minimum ? 'MET' : 'NOT MET'}`);
  console.log(`Contact ids read: ${fmt(sim.contactReads.length)} for ${fmt(seen.size)} distinct requesters`);
  if (distinct.size !== TICKETS) {
    console.log(`INVALID RUN: ${distinct.size} tickets synced, ${TICKETS} seeded`);
    process.exitCode = 1;
  }
} finally {
  await sim.close();
}
