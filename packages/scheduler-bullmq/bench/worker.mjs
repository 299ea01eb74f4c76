// One benchmark worker: a hub on the shared store and the BullMQ queue (this package's build), reporting each finished
// run and, when asked, its store's statement count. argv: a JSON config.
import { createHub } from '@ticketbridge/core';
import { acme } from '@ticketbridge/core/testing';
import { PostgresStore } from '@ticketbridge/store-postgres';
import { SqliteStore } from '@ticketbridge/store-sqlite';
import { BullMQScheduler } from '../dist/index.js';

const config = JSON.parse(process.argv[2]);
const key = Buffer.from(config.store.key, 'base64');
const store =
  config.store.kind === 'postgres'
    ? await PostgresStore.open({ connectionString: config.store.url, schema: config.store.schema, key, pool: { max: config.concurrency + 2 } })
    : new SqliteStore({ path: config.store.path, key });
let hub;
// Jobs are taken only once every worker of the round is up ('go'), so the fleet starts together.
const go = () => {
  const scheduler = new BullMQScheduler({ connection: config.redisUrl, queueName: config.queueName, concurrency: config.concurrency });
  hub = createHub({ connectors: [acme({ pageSize: 100 })], store, scheduler, pollIntervalMs: 3600_000 });
  hub.on('ticket', async () => {
    // The host's own write for each ticket (a database upsert), as waiting time.
    if (config.handlerMs > 0) await new Promise((resolve) => setTimeout(resolve, config.handlerMs));
  });
  hub.on('sync.finished', (run) => process.send({ event: 'finished', run: { connectionId: run.connectionId, tickets: run.ticketsSynced, pages: run.pages, at: Date.now() } }));
  hub.on('sync.failed', (run, error) => process.send({ event: 'failed', connectionId: run.connectionId, message: error.message }));
  hub.on('sync.started', (run) => process.send({ event: 'started', at: Date.now(), trigger: run.trigger, connectionId: run.connectionId, w: config.worker }));
};
process.on('message', (m) => {
  if (m === 'go') go();
  if (m === 'stats') process.send({ event: 'stats', queries: store.stats?.().queries ?? null });
});
process.on('SIGTERM', () => void (hub ? hub.close() : Promise.resolve()).then(() => store.close()).then(() => process.exit(0)));
process.send({ event: 'ready' });
