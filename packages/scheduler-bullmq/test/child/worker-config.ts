import type { StateStore } from '@ticketbridge/core';
import { PostgresStore } from '@ticketbridge/store-postgres';
import { SqliteStore } from '@ticketbridge/store-sqlite';

/** Where the fleet keeps its state: one SQLite file in WAL mode (one machine), or one PostgreSQL database. */
export type StoreConfig = { kind: 'sqlite'; path: string; key: string } | { kind: 'postgres'; url: string; schema: string; key: string };

/** What the parent tells each worker process (argv[2], JSON). */
export interface WorkerConfig {
  worker: number;
  store: StoreConfig;
  redisUrl: string;
  queueName: string;
  /** The load balancer's origin: the hub's publicUrl, the same on every worker. */
  publicUrl: string;
  recordFile: string;
  pageSize: number;
  pollIntervalMs: number;
  /** The store's sync lock TTL (the hub's lockTtlMs). */
  storeLockMs: number;
  /** BullMQ's job lock (a dead worker's jobs are stalled after it). */
  jobLockMs: number;
  stalledIntervalMs: number;
  concurrency: number;
  handlerDelayMs: number;
}

/** Opens the shared store (every worker with the same sealing key). */
export async function openStore(config: StoreConfig, poolMax = 10): Promise<StateStore & { stats?(): { queries: number } }> {
  const key = Buffer.from(config.key, 'base64');
  if (config.kind === 'sqlite') return new SqliteStore({ path: config.path, key });
  return PostgresStore.open({ connectionString: config.url, schema: config.schema, key, pool: { max: poolMax } });
}
