// A host process for crash-soak.test.ts: a hub on a SqliteStore syncing the Acme Desk simulator (which runs in the
// parent, so it outlives this process) over loopback HTTP. Every `ticket` event is reported to the parent before the
// handler returns (the send callback fires once the message is in the IPC pipe, which a SIGKILL does not empty), so
// the parent knows exactly what the host received. Every page commit is reported too (`sync.progress` is emitted
// after the page's versions and cursor are committed). The parent SIGKILLs this process at moments it picks.
//
// argv: path, key (base64), lockTtlMs, page size, kill plan: `none`, `hang:<n>` (the handler never finishes this life's n-th
// ticket: a deterministic mid-page crash) or `block:<p>` (the thread blocks right after this life's p-th page
// commit: a deterministic crash between pages).
import { createHub, type TicketEvent } from '@ticketbridge/core';
import { acme } from '@ticketbridge/core/testing';
import { SqliteStore } from '../../src/index.js';
import { answerCalls, closeOnSigterm } from '@ticketbridge/test-support/ipc';

const DAY = 24 * 3600_000;

const [path, keyBase64, lockTtl, pageSize, plan = 'none'] = process.argv.slice(2);
const [planKind, planArg] = plan.split(':');
const planAt = Number(planArg);

const store = new SqliteStore({ path: path!, key: Buffer.from(keyBase64!, 'base64') });
const hub = createHub({
  connectors: [acme({ pageSize: Number(pageSize) })],
  store,
  lockTtlMs: Number(lockTtl),
  pollIntervalMs: DAY,
  initialSyncDelayMs: DAY,
  // The parent drives syncs; a failed run is reported, not retried behind its back.
  retry: { maxAttempts: 1 },
  autoStart: false,
});

const send = (message: unknown) =>
  new Promise<void>((resolve, reject) => process.send!(message, (error: Error | null) => (error ? reject(error) : resolve())));

let delivered = 0;
hub.on('ticket', async (event: TicketEvent) => {
  delivered++;
  const t = event.ticket;
  // [externalId, updatedAt, idempotencyKey, type]: compact, there are tens of thousands of them.
  await send({ event: 'ticket', data: [t.externalId, t.updatedAt, event.idempotencyKey, event.type] });
  if (planKind === 'hang' && delivered === planAt) await new Promise(() => {});
});

let pages = 0;
hub.on('sync.started', () => void send({ event: 'started' }));
hub.on('sync.progress', (p) => {
  pages++;
  // Sent before blocking: libuv writes to an idle pipe synchronously, so the message is in the pipe already.
  process.send!({ event: 'page', data: { pages: p.pages, delivered: p.delivered } });
  if (planKind === 'block' && pages === planAt) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
});

async function syncUntilRun(): Promise<unknown> {
  const [connection] = await hub.list();
  for (;;) {
    const run = await hub.syncNow(connection!.id);
    // A killed predecessor's lock holds until its time-to-live passes.
    if (run.status === 'skipped') {
      // Also when this process's own lease expired mid-run (starved of CPU): the parent counts that run's
      // uncommitted deliveries as a replayed window, so it must hear of it before the next run delivers again.
      await send({ event: 'skipped' });
      await new Promise((resolve) => setTimeout(resolve, 25));
      continue;
    }
    return { status: run.status, ticketsSynced: run.ticketsSynced, duplicatesDropped: run.duplicatesDropped, pages: run.pages, errors: run.errors };
  }
}

answerCalls({
  connect: (credentials: Record<string, unknown>, baseUrl: string) =>
    hub.connect({ platform: 'acme', credentials, baseUrl, syncMode: 'poll', pollIntervalMs: DAY }).then((c) => c.id),
  sync: syncUntilRun,
});
closeOnSigterm(() => hub.close().then(() => store.close()));
process.send!({ event: 'ready' });
