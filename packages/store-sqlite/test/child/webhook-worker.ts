// A host process for the webhook half of crash-soak.test.ts: a hub on a SqliteStore whose webhook endpoint is a real
// Node HTTP server on a loopback port, and which replays its webhook inbox when it starts (autoStart). Every `ticket`
// event is reported to the parent before the handler returns.
//
// argv: path, key (base64), mode: `normal`, or `hang` (the handler never finishes a webhook-sourced event, so the
// hub never gets past it: the first webhook is emitted and left unfinished, the ones after it wait their turn behind
// it, answered 2xx but not processed, until the parent kills the process).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHub, type TicketEvent } from '@ticketbridge/core';
import { acme } from '@ticketbridge/core/testing';
import { SqliteStore } from '../../src/index.js';
import { answerCalls, closeOnSigterm } from '@ticketbridge/test-support/ipc';

const DAY = 24 * 3600_000;
const [path, keyBase64, mode] = process.argv.slice(2);

const send = (message: unknown) =>
  new Promise<void>((resolve, reject) => process.send!(message, (error: Error | null) => (error ? reject(error) : resolve())));

const server = createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const store = new SqliteStore({ path: path!, key: Buffer.from(keyBase64!, 'base64') });
// autoStart: the inbox replays as soon as the hub exists. Listeners are added in this same tick, before it runs.
const hub = createHub({ connectors: [acme()], store, publicUrl, lockTtlMs: 500, pollIntervalMs: DAY, initialSyncDelayMs: DAY });
hub.on('ticket', async (event: TicketEvent) => {
  const t = event.ticket;
  await send({ event: 'ticket', data: { externalId: t.externalId, updatedAt: t.updatedAt, key: event.idempotencyKey, type: event.type, source: event.source } });
  if (mode === 'hang' && event.source === 'webhook') await new Promise(() => {});
});
hub.on('webhook.accepted', (entry) => void send({ event: 'accepted', data: entry.inboxId }));
hub.on('webhook.rejected', (rejection) => void send({ event: 'rejected', data: rejection.reason }));
hub.on('error', (error) => void send({ event: 'error', data: error.message }));
server.on('request', hub.webhooks.nodeHandler());

answerCalls({
  connect: (credentials: Record<string, unknown>, baseUrl: string) =>
    hub
      .connect({ platform: 'acme', credentials, baseUrl, syncMode: 'both', pollIntervalMs: DAY })
      .then((c) => ({ id: c.id, secret: (c as { webhookSecret?: string }).webhookSecret })),
  sync: () => hub.list().then(([c]) => hub.syncNow(c!.id)).then((run) => ({ status: run.status, ticketsSynced: run.ticketsSynced })),
  url: () => hub.list().then(([c]) => hub.webhooks.urlFor(c!.id)),
  // Waits for the inbox work in flight, then reports what is still pending.
  drain: () => hub.close().then(() => store.inboxPending().then((pending) => pending.length)),
});
closeOnSigterm(() => {
  server.close();
  return hub.close().then(() => store.close());
});
process.send!({ event: 'ready' });
