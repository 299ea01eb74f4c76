import type { StateStore } from '@ticketbridge/core';

/** Where the fleet keeps its state: one SQLite file in WAL mode (one machine), or one PostgreSQL database. */
export type StoreConfig = { kind: 'sqlite'; path: string; key: string } | { kind: 'postgres'; url: string; key: string };

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

/** Opens the shared store. The PostgreSQL store is loaded by name, so this file builds before that package exists. */
export async function openStore(config: StoreConfig): Promise<StateStore> {
  const key = Buffer.from(config.key, 'base64');
  if (config.kind === 'sqlite') {
    const { SqliteStore } = await import('@ticketbridge/store-sqlite');
    return new SqliteStore({ path: config.path, key });
  }
  const name = '@ticketbridge/store-postgres';
  const { PostgresStore } = (await import(/* @vite-ignore */ name)) as { PostgresStore: new (options: { connectionString: string; key: Buffer }) => StateStore };
  return new PostgresStore({ connectionString: config.url, key });
}
