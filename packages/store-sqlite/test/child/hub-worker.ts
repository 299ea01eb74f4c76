// A host process: a hub on a SqliteStore, reporting each ticket it handles over IPC. The handler never finishes the
// ticket named by `hangAt`, so the parent can kill the process mid-page, like a crash.
import { createHub, type TicketEvent } from '@ticketbridge/core';
import { SqliteStore } from '../../src/index.js';
import { DESK_TOKEN, fixedDesk } from './fixed-desk.js';
import { answerCalls } from '@ticketbridge/test-support/ipc';

const [path, keyBase64, hangAt] = process.argv.slice(2);
const store = new SqliteStore({ path: path!, key: Buffer.from(keyBase64!, 'base64') });
const hub = createHub({ connectors: [fixedDesk()], store, lockTtlMs: 1000, initialSyncDelayMs: 24 * 3600_000, pollIntervalMs: 24 * 3600_000 });

hub.on('ticket', async (event: TicketEvent) => {
  process.send!({ event: 'ticket', data: event.ticket.externalId });
  if (event.ticket.externalId === hangAt) await new Promise(() => {});
});

answerCalls({
  connect: () => hub.connect({ platform: 'fixeddesk', credentials: { apiToken: DESK_TOKEN }, syncMode: 'poll' }).then((c) => c.id),
  syncAll: () => hub.list().then((all) => Promise.all(all.map((c) => hub.syncNow(c.id)))),
});
process.send!({ event: 'ready' });
