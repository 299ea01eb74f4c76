// `pnpm --filter @ticketbridge/scheduler-bullmq bench` (also part of the root `pnpm bench`; not in CI): tickets per
// second of a fleet of 1, 2 and 3 worker processes sharing one store and one BullMQ queue, syncing the same Acme Desk
// simulators from scratch, printed as ratios against one worker measured in the same run; and the store's statements
// per synced page (the PostgreSQL store counts its own statements; the figure includes each run's lock, renewals and
// history writes, divided over its pages).
//
// Each round: a fresh schema (or SQLite file) and queue; a setup hub that only schedules (`worker: false`) connects
// every account, which queues each connection's first sync; then N workers start and take the jobs. The time runs
// from the first sync's start to the last one's end. Rounds go 1, 2, 3, 3, 2, 1 (BENCH_ROUNDS=1 for one pass) and
// medians are compared, so a machine that slows down over the run does not favour one size.
//
// Needs TICKETBRIDGE_REDIS_URL; TICKETBRIDGE_PG_URL for PostgreSQL (else one SQLite file in WAL mode). Knobs:
// BENCH_CONNECTIONS (24), BENCH_TICKETS per connection (500), BENCH_CONCURRENCY per worker (4), BENCH_HANDLER_MS (1:
// the host's own write per ticket, as waiting time), BENCH_ROUNDS (2).
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Queue } from 'bullmq';
import { createHub } from '@ticketbridge/core';
import { acme } from '@ticketbridge/core/testing';
import { PostgresStore } from '@ticketbridge/store-postgres';
import { SqliteStore } from '@ticketbridge/store-sqlite';
import { BullMQScheduler, redisOptionsFromUrl } from '../dist/index.js';

const REDIS_URL = process.env.TICKETBRIDGE_REDIS_URL;
const PG_URL = process.env.TICKETBRIDGE_PG_URL;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 24);
const TICKETS = Number(process.env.BENCH_TICKETS ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const HANDLER_MS = Number(process.env.BENCH_HANDLER_MS ?? 1);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const here = (f) => fileURLToPath(new URL(f, import.meta.url));

if (!REDIS_URL) {
  console.log('scheduler-bullmq bench: TICKETBRIDGE_REDIS_URL is not set; start Redis with `eval "$(bash scripts/services/redis.sh)"` (and PostgreSQL with scripts/services/postgres.sh). Skipped.');
  process.exit(0);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Forks a script and resolves with it once it reported `ready`. */
function start(script, args) {
  const child = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = new Promise((resolve, reject) => {
    child.on('message', (m) => m.event === 'ready' && resolve(m));
    child.on('exit', (code) => reject(new Error(`${script} exited (${code}) before it was ready`)));
  });
  return ready.then((m) => ({ child, ready: m }));
}

function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.on('exit', resolve);
    child.kill('SIGTERM');
  });
}

function ask(child, question, event) {
  return new Promise((resolve) => {
    const on = (m) => {
      if (m.event !== event) return;
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
    child.send(question);
  });
}

async function round(workers, sims) {
  const key = randomBytes(32).toString('base64');
  const dir = mkdtempSync(join(os.tmpdir(), 'tb-scale-'));
  const schema = `tb_scale_${randomBytes(6).toString('hex')}`;
  const store = PG_URL ? { kind: 'postgres', url: PG_URL, schema, key } : { kind: 'sqlite', path: join(dir, 'fleet.db'), key };
  const queueName = `tb-bench-${randomBytes(4).toString('hex')}`;

  // Setup: connect every account from a process that only schedules.
  const setupStore = PG_URL
    ? await PostgresStore.open({ connectionString: PG_URL, schema, key: Buffer.from(key, 'base64') })
    : new SqliteStore({ path: store.path, key: Buffer.from(key, 'base64') });
  const setupScheduler = new BullMQScheduler({ connection: REDIS_URL, queueName, worker: false });
  const setup = createHub({ connectors: [acme({ pageSize: 100 })], store: setupStore, scheduler: setupScheduler, pollIntervalMs: 3600_000 });
  for (const sim of sims) await setup.connect({ platform: 'acme', credentials: sim.credentials, baseUrl: sim.url, syncMode: 'poll' });
  await setup.close();
  await setupStore.close();

  const fleet = [];
  let first = Infinity;
  let last = 0;
  let tickets = 0;
  let pages = 0;
  const done = new Set();
  let finish;
  const allDone = new Promise((resolve) => (finish = resolve));
  const config = { store, redisUrl: REDIS_URL, queueName, concurrency: CONCURRENCY, handlerMs: HANDLER_MS };
  for (let w = 0; w < workers; w++) {
    const { child } = await start(here('./worker.mjs'), [JSON.stringify({ ...config, worker: w })]);
    child.on('message', (m) => {
      // After the last sync, closing hands the jobs still running back to the queue: a run another closing worker
      // takes then fails as aborted, which is expected.
      if (m.event === 'failed' && done.size < sims.length) console.error(`  a sync failed (${m.connectionId}): ${m.message}`);
      if (m.event === 'started') first = Math.min(first, m.at);
      if (m.event === 'started' && process.env.BENCH_DEBUG) console.log('    started', m.w, m.connectionId, m.trigger);
      if (m.event === 'finished' && !done.has(m.run.connectionId)) {
        done.add(m.run.connectionId);
        tickets += m.run.tickets;
        pages += m.run.pages;
        last = Math.max(last, m.run.at);
        if (done.size === sims.length) finish();
      }
    });
    fleet.push(child);
  }
  const before = await Promise.all(fleet.map((c) => ask(c, 'stats', 'stats')));
  for (const c of fleet) c.send('go');
  await allDone;
  const after = await Promise.all(fleet.map((c) => ask(c, 'stats', 'stats')));
  await Promise.all(fleet.map(stop));

  const queries = after.every((a) => a.queries !== null) ? after.reduce((sum, a, i) => sum + a.queries - before[i].queries, 0) : null;
  // Clean up: the queue, the schema or file.
  const queue = new Queue(queueName, { connection: redisOptionsFromUrl(REDIS_URL) });
  await queue.obliterate({ force: true }).catch(() => undefined);
  await (await queue.client).del(`bull:${queueName}:ticketbridge:once`);
  await queue.close();
  if (PG_URL) {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
  rmSync(dir, { recursive: true, force: true });
  return { workers, tickets, pages, seconds: (last - first) / 1000, rate: tickets / ((last - first) / 1000), queriesPerPage: queries === null ? null : queries / pages };
}

const { child: simHost, ready } = await start(here('./sims.mjs'), [String(CONNECTIONS), String(TICKETS)]);
try {
  console.log(
    `scheduler-bullmq bench: ${CONNECTIONS} connections x ${TICKETS} tickets, pages of 100, ${CONCURRENCY} syncs at once per worker, host write ${HANDLER_MS} ms per ticket; store ${PG_URL ? 'PostgreSQL' : 'SQLite (WAL)'}; ${os.cpus().length} CPUs`,
  );
  const order = ROUNDS > 1 ? [1, 2, 3, 3, 2, 1] : [1, 2, 3];
  const results = { 1: [], 2: [], 3: [] };
  for (const n of order) {
    const r = await round(n, ready.sims);
    results[n].push(r);
    console.log(`  ${n} worker(s): ${r.tickets} tickets in ${r.seconds.toFixed(2)} s = ${r.rate.toFixed(0)} tickets/s; ${r.pages} pages${r.queriesPerPage === null ? '' : `, ${r.queriesPerPage.toFixed(1)} store statements per page`}`);
  }
  const base = median(results[1].map((r) => r.rate));
  console.log('  medians, ratio to one worker:');
  for (const n of [1, 2, 3]) {
    const rate = median(results[n].map((r) => r.rate));
    const qpp = results[n][0].queriesPerPage === null ? '' : `, ${median(results[n].map((r) => r.queriesPerPage)).toFixed(1)} statements/page`;
    console.log(`    ${n} worker(s): ${rate.toFixed(0)} tickets/s, x${(rate / base).toFixed(2)}${qpp}`);
  }
} finally {
  await stop(simHost);
}
