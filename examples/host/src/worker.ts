/**
 * Scale mode of the example host: one worker process of a fleet that shares a PostgreSQL store and a BullMQ queue on
 * Redis (see docs/running-at-scale.md). Start as many as you like, on one machine or several, behind one load
 * balancer whose address is PUBLIC_URL; each serves the Connect API and the webhook endpoint and runs whichever sync
 * or webhook delivery it takes from the queue.
 *
 *   TICKETBRIDGE_PG_URL=postgres://… TICKETBRIDGE_REDIS_URL=redis://… TICKETBRIDGE_KEY=… \
 *   PUBLIC_URL=https://tickets.example.com PORT=3001 pnpm --filter @ticketbridge/example-host worker
 *
 * Every worker needs the same TICKETBRIDGE_KEY: it seals the credentials in the shared store. SIGTERM closes the
 * worker gracefully: it stops taking jobs and hands the sync it was running back to the queue at a page boundary.
 */
import { hostPlatforms } from './connectors.js';
import { BullMQScheduler } from '@ticketbridge/scheduler-bullmq';
import { PostgresStore } from '@ticketbridge/store-postgres';
import { startHostApp } from './app.js';

const need = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (scale mode needs TICKETBRIDGE_PG_URL, TICKETBRIDGE_REDIS_URL and TICKETBRIDGE_KEY)`);
  return value;
};

const store = await PostgresStore.open({ connectionString: need('TICKETBRIDGE_PG_URL'), key: need('TICKETBRIDGE_KEY') });
const scheduler = new BullMQScheduler({ connection: need('TICKETBRIDGE_REDIS_URL') });
const app = await startHostApp({
  connectors: hostPlatforms().map((p) => p.connector),
  store,
  port: Number(process.env['PORT'] ?? 3000),
  ...(process.env['PUBLIC_URL'] ? { publicUrl: process.env['PUBLIC_URL'] } : {}),
  hub: { scheduler },
});
process.stdout.write(`ticketbridge worker ${process.pid} on ${app.url}\n`);
process.on('SIGTERM', () => {
  void app
    .close()
    .then(() => store.close())
    .then(() => process.exit(0));
});
