// One worker process of a fleet: a hub on the shared store and the shared BullMQ queue, with its own webhook endpoint
// (the parent's load balancer spreads webhooks over the live workers). Every `ticket` event, every sync run's start,
// page commit and end is appended to one shared record file (O_APPEND, one line per write, before the handler
// returns), so the parent sees what a host would have seen even for a worker it SIGKILLs.
//
// argv: a JSON config (see WorkerConfig in ../fleet.ts).
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHub, type StateStore, type TicketEvent } from '@ticketbridge/core';
import { acme } from '@ticketbridge/core/testing';
import { BullMQScheduler } from '../../src/index.js';
import { answerCalls, closeOnSigterm } from '@ticketbridge/test-support/ipc';
import { openStore, type WorkerConfig } from './worker-config.js';

const config = JSON.parse(process.argv[2]!) as WorkerConfig;
const now = () => performance.timeOrigin + performance.now();
const record = (line: Record<string, unknown>) => appendFileSync(config.recordFile, `${JSON.stringify({ w: config.worker, t: now(), ...line })}\n`);

const store: StateStore = await openStore(config.store);
const scheduler = new BullMQScheduler({
  connection: config.redisUrl,
  queueName: config.queueName,
  concurrency: config.concurrency,
  lockDurationMs: config.jobLockMs,
  stalledIntervalMs: config.stalledIntervalMs,
  onError: (error, context) => process.send?.({ event: 'schedulerError', data: `${context.key ?? ''} ${error.message}` }),
});
const hub = createHub({
  connectors: [acme({ pageSize: config.pageSize })],
  store,
  scheduler,
  publicUrl: config.publicUrl,
  pollIntervalMs: config.pollIntervalMs,
  pollJitter: 0.2,
  lockTtlMs: config.storeLockMs,
  retry: { baseDelayMs: 200, maxDelayMs: 2000 },
});

hub.on('ticket', async (event: TicketEvent) => {
  const t = event.ticket;
  record({ type: 'ticket', conn: event.connectionId, id: t.externalId, v: t.updatedAt, key: event.idempotencyKey, src: event.source });
  // The host's work on a ticket (an upsert): long enough that a SIGKILL lands inside a page.
  if (config.handlerDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.handlerDelayMs));
});
hub.on('sync.started', (run) => record({ type: 'start', conn: run.connectionId, run: run.id }));
hub.on('sync.progress', (p) => record({ type: 'page', conn: p.connectionId, run: p.runId }));
hub.on('sync.finished', (run) => record({ type: 'end', conn: run.connectionId, run: run.id, status: run.status }));
hub.on('sync.failed', (run) => record({ type: 'end', conn: run.connectionId, run: run.id, status: run.status, error: run.errors.at(-1)?.message }));
hub.on('error', (error) => process.send?.({ event: 'hubError', data: error.message }));

const server = createServer(hub.webhooks.nodeHandler());
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

answerCalls({
  connect: (credentials: Record<string, unknown>, baseUrl: string, name: string) =>
    hub.connect({ platform: 'acme', credentials, baseUrl, name, syncMode: 'both' }).then((c) => ({ id: c.id, secret: (c as { webhookSecret?: string }).webhookSecret, url: hub.webhooks.urlFor(c.id) })),
});
closeOnSigterm(async () => {
  server.closeAllConnections();
  server.close();
  await hub.close();
  await store.close();
});
process.send!({ event: 'ready', data: { port: (server.address() as AddressInfo).port } });
