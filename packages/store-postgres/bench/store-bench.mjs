// `pnpm --filter @ticketbridge/store-postgres bench` (also part of the root `pnpm bench`): what the PostgreSQL store
// costs per synced page, against SqliteStore in the same run. Not a test: timings on shared cores are information.
//
// 1. Queries per synced page: a real hub syncs the Acme reference simulator (100-ticket pages) into a
//    PostgresStore; the store's own statement counter (`stats().queries`) is read before and after the sync, and the
//    run's page count divides it. Printed with what a sync costs outside its pages (lock, run start and end).
// 2. Page-commit throughput: what the engine does with the store for each page (getVersions of the page's 100 ids,
//    commitPage with the 100 versions and the cursor, saveRun), repeated for PAGES pages, on SqliteStore
//    (synchronous=FULL, the default) and on PostgresStore (one pooled connection at a time, then WORKERS pages in
//    parallel, as several connections syncing at once do). Runs alternate ABBA; medians are reported, and the ratio
//    PostgreSQL / SQLite.
//
// Needs TICKETBRIDGE_PG_URL (scripts/services/postgres.sh prints it). Knobs: BENCH_PAGES, BENCH_RUNS, BENCH_TICKETS.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createHub } from '@ticketbridge/core';
import { acme, startAcmeSimulator } from '@ticketbridge/core/testing';
import { SqliteStore } from '@ticketbridge/store-sqlite';
import { PostgresStore } from '../dist/index.js';

const PG_URL = process.env.TICKETBRIDGE_PG_URL;
const PAGES = Number(process.env.BENCH_PAGES ?? 200);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TICKETS = Number(process.env.BENCH_TICKETS ?? 5000);
const PAGE_SIZE = 100;
const WORKERS = 4;
const NEVER_MS = 24 * 3600_000;

if (!PG_URL) {
  console.log('store-postgres bench: TICKETBRIDGE_PG_URL is not set; start PostgreSQL with `eval "$(bash scripts/services/postgres.sh)"` (as root). Skipped.');
  process.exit(0);
}

const schemas = [];
const dirs = [];
const schema = () => {
  const name = `tb_bench_${randomBytes(6).toString('hex')}`;
  schemas.push(name);
  return name;
};
const openPg = (options = {}) => PostgresStore.open({ connectionString: PG_URL, schema: schema(), key: randomBytes(32), ...options });
const openSqlite = () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'ticketbridge-bench-'));
  dirs.push(dir);
  return new SqliteStore({ path: join(dir, 'bench.db'), key: randomBytes(32) });
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const connection = (id) => ({
  id,
  platform: 'acme',
  accountName: 'bench',
  syncMode: 'poll',
  status: 'active',
  credentials: { token: 'bench-token-0123456789' },
  secretFields: ['token'],
  metadata: {},
  pollIntervalMs: NEVER_MS,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});

async function queriesPerPage() {
  const sim = await startAcmeSimulator({ seed: 7, tickets: TICKETS });
  const store = await openPg();
  const hub = createHub({ connectors: [acme({ pageSize: PAGE_SIZE })], store, autoStart: false, initialSyncDelayMs: NEVER_MS, pollIntervalMs: NEVER_MS });
  try {
    hub.on('ticket', () => {});
    const conn = await hub.connect({ platform: 'acme', credentials: { ...sim.credentials() }, baseUrl: sim.url, syncMode: 'poll' });
    const before = store.stats().queries;
    const run = await hub.syncNow(conn.id);
    const full = store.stats().queries - before;
    // A second sync finds one page of overlap and nothing new: what a sync costs besides its pages.
    const mid = store.stats().queries;
    const idle = await hub.syncNow(conn.id);
    const empty = store.stats().queries - mid;
    return { run, full, idle, empty };
  } finally {
    await hub.close();
    await store.close();
    await sim.close();
  }
}

/** The store calls the engine makes for one page. */
async function page(store, connectionId, n, run) {
  const versions = Array.from({ length: PAGE_SIZE }, (_, i) => ({
    externalId: `t${n * PAGE_SIZE + i}`,
    updatedAt: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(),
    fingerprint: `fp-${n}-${i}`,
    status: 'open',
    priority: 'normal',
    assigneeId: null,
    tags: ['bench'],
    deleted: false,
    deliveredAt: new Date().toISOString(),
  }));
  await store.getVersions(connectionId, versions.map((v) => v.externalId));
  await store.commitPage(connectionId, { cursor: { page: n }, versions });
  run.pages = n + 1;
  await store.saveRun(run);
}

async function commitThroughput(store, parallel) {
  const ids = Array.from({ length: parallel }, (_, i) => `c${i}`);
  for (const id of ids) await store.saveConnection(connection(id));
  const runs = ids.map((id) => ({ id: `run-${id}`, connectionId: id, trigger: 'schedule', status: 'running', startedAt: new Date().toISOString(), ticketsSynced: 0, duplicatesDropped: 0, pages: 0, requests: 0, rateLimited: 0, rateLimitWaitMs: 0, errors: [], attempt: 1, cursorBefore: null, cursorAfter: null }));
  for (const r of runs) await store.saveRun(r);
  const per = Math.ceil(PAGES / parallel);
  const started = performance.now();
  await Promise.all(ids.map(async (id, w) => {
    for (let n = 0; n < per; n++) await page(store, id, n, runs[w]);
  }));
  const ms = performance.now() - started;
  return (per * parallel) / (ms / 1000);
}

async function measure(kind, parallel) {
  const store = kind === 'sqlite' ? openSqlite() : await openPg({ pool: { max: parallel + 1 } });
  try {
    return await commitThroughput(store, parallel);
  } finally {
    await store.close();
  }
}

async function main() {
  console.log(`store-postgres bench: Node ${process.version}, ${os.availableParallelism()} CPUs; PostgreSQL and SQLite on this machine`);
  const { run, full, empty } = await queriesPerPage();
  console.log(`\n1. Queries per synced page (hub + Acme simulator, ${TICKETS} tickets, ${PAGE_SIZE} per page)`);
  console.log(`   full sync: ${run.pages} pages, ${run.ticketsSynced} tickets, ${full} statements: ${(full / run.pages).toFixed(2)} per page`);
  console.log(`   a sync with nothing new (${empty} statements): the fixed cost of a sync around its pages`);
  console.log(`   per page beyond that fixed cost: ${((full - empty) / Math.max(1, run.pages - 1)).toFixed(2)}`);

  console.log(`\n2. Page commits (getVersions + commitPage + saveRun, ${PAGE_SIZE} versions a page, ${PAGES} pages a run, median of ${RUNS})`);
  const results = { sqlite: [], pg: [], pgParallel: [] };
  for (let r = 0; r < RUNS; r++) {
    const order = r % 2 === 0 ? ['sqlite', 'pg', 'pgParallel'] : ['pgParallel', 'pg', 'sqlite'];
    for (const k of order) results[k].push(k === 'sqlite' ? await measure('sqlite', 1) : await measure('pg', k === 'pg' ? 1 : WORKERS));
  }
  const sqlite = median(results.sqlite);
  const pgOne = median(results.pg);
  const pgMany = median(results.pgParallel);
  console.log(`   SqliteStore, one at a time:            ${sqlite.toFixed(0)} pages/s`);
  console.log(`   PostgresStore, one at a time:          ${pgOne.toFixed(0)} pages/s  (${(pgOne / sqlite).toFixed(2)} x SQLite)`);
  console.log(`   PostgresStore, ${WORKERS} connections at once:  ${pgMany.toFixed(0)} pages/s  (${(pgMany / sqlite).toFixed(2)} x SQLite)`);
}

try {
  await main();
} finally {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  for (const name of schemas) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  await client.end();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
