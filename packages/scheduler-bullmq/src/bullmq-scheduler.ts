import { randomUUID } from 'node:crypto';
import { DelayedError, Queue, Worker, type ConnectionOptions, type Job, type JobsOptions } from 'bullmq';
import type { JobResolver, RecurringOptions, Scheduler } from '@ticketbridge/core';

/** Options of {@link BullMQScheduler}. */
export interface BullMQSchedulerOptions {
  /**
   * Redis 6.2 or later: a URL (`redis://[:password@]host:port[/db]`, `rediss://` for TLS) or ioredis connection
   * options. Every worker of one fleet uses the same Redis and the same `queueName`.
   */
  connection: string | ConnectionOptions;
  /** The BullMQ queue (default `ticketbridge`). Several fleets (staging, production) may share one Redis with two names. */
  queueName?: string;
  /** Key prefix in Redis (default BullMQ's `bull`). */
  prefix?: string;
  /**
   * Take and run jobs in this process (default true). `false` for a process that only connects, pauses and schedules
   * (an API server) and leaves the syncing to the workers.
   */
  worker?: boolean;
  /** Jobs this process runs at once (default 8): syncs wait on the network and on the host's handler, not the CPU. */
  concurrency?: number;
  /**
   * How long a running job's Redis lock lasts (default 30 000 ms); the worker renews it every half of this while the
   * job runs. A worker that dies (SIGKILL, OOM, a lost machine) stops renewing: its jobs are stalled once the lock
   * expires and run again by another worker (see `stalledIntervalMs`).
   */
  lockDurationMs?: number;
  /** How often each worker looks for stalled jobs (default 30 000 ms). */
  stalledIntervalMs?: number;
  /** Times a job may stall (its worker died under it) before it is failed instead of run again (default 2). */
  maxStalledCount?: number;
  /** Finished jobs Redis keeps for inspection (default 1 000 completed and 5 000 failed, the newest). */
  keep?: { completed?: number; failed?: number };
  /** Where errors of the Redis connection, the worker and of jobs go (default: `console.error`). */
  onError?(error: Error, context: { key?: string }): void;
}

/** The three hash commands used on the queue's client (ioredis's signatures). */
interface HashClient {
  hget(key: string, field: string): Promise<string | null>;
  hset(key: string, field: string, value: string): Promise<number>;
  hdel(key: string, field: string): Promise<number>;
}

/** What a queued job carries: only the hub's job key; the job itself is rebuilt in the process that takes it. */
interface JobData {
  key: string;
}

/**
 * A `Scheduler` (`@ticketbridge/core`) on BullMQ and Redis, shared by every worker process of a host: each connection's poll is a
 * BullMQ job scheduler (`upsertJobScheduler`, fixed rate), retries and webhook deliveries are one-off jobs, and any
 * worker takes any of them. A job carries only its key (`poll:<connectionId>`...); the process that takes it rebuilds
 * it with the hub's resolver (`Scheduler.bind`), so a connection connected on one worker is synced by all.
 *
 * What it guarantees, and what it leaves to the store:
 * - At-least-once jobs: a job whose worker died (its lock expired) is stalled and run again by another worker, up to
 *   `maxStalledCount` times. A job never runs twice at the same time by design, but a worker that blocks its event
 *   loop longer than `lockDurationMs` loses the job to another; the store's sync lock (`sync:<connectionId>`) is the
 *   second guard that keeps one connection to one sync at a time.
 * - No retries here: a job that throws is failed and kept (`keep.failed`), never tried again by BullMQ. Failed syncs
 *   are retried by the hub's retry policy (`createHub({ retry })`), which records every attempt in the sync history,
 *   obeys the platform's Retry-After and schedules the retry through this scheduler as `retry:<connectionId>`.
 * - `close()` stops taking jobs and waits for the running ones. The hub aborts its syncs before (each stops after
 *   committing the page it is on), and a job that ends while the scheduler closes is handed back to the queue, so
 *   another worker resumes it from the checkpoint at once instead of at the next poll.
 */
export class BullMQScheduler implements Scheduler {
  readonly #queue: Queue<JobData>;
  readonly #worker: Worker<JobData> | undefined;
  readonly #local = new Map<string, () => Promise<void>>();
  readonly #chains = new Map<string, Promise<void>>();
  readonly #ops = new Set<Promise<void>>();
  readonly #jobOptions: JobsOptions;
  readonly #onceIndex: string;
  readonly #onError: (error: Error, context: { key?: string }) => void;
  #resolve: JobResolver | undefined;
  #closing = false;
  #queueClosed = false;
  #closed: Promise<void> | undefined;

  constructor(options: BullMQSchedulerOptions) {
    const connection = typeof options.connection === 'string' ? redisOptionsFromUrl(options.connection) : options.connection;
    const name = options.queueName ?? 'ticketbridge';
    const prefix = options.prefix ?? 'bull';
    this.#onError = options.onError ?? ((error, context) => console.error(`[ticketbridge/scheduler-bullmq]${context.key ? ` ${context.key}:` : ''} ${error.message}`));
    this.#jobOptions = {
      // One retry layer: the hub's. A job that throws is failed and kept for inspection.
      attempts: 1,
      removeOnComplete: { count: options.keep?.completed ?? 1000 },
      removeOnFail: { count: options.keep?.failed ?? 5000 },
    };
    this.#queue = new Queue<JobData>(name, { connection, prefix, defaultJobOptions: this.#jobOptions });
    this.#queue.on('error', (error) => this.#onError(error, {}));
    this.#onceIndex = `${prefix}:${name}:ticketbridge:once`;
    if (options.worker !== false) {
      this.#worker = new Worker<JobData>(name, (job, token) => this.#process(job, token), {
        connection,
        prefix,
        concurrency: options.concurrency ?? 8,
        lockDuration: options.lockDurationMs ?? 30_000,
        stalledInterval: options.stalledIntervalMs ?? 30_000,
        maxStalledCount: options.maxStalledCount ?? 2,
      });
      this.#worker.on('error', (error) => this.#onError(error, {}));
      this.#worker.on('failed', (job, error) => {
        if (job && !(error instanceof DelayedError)) this.#onError(error, { key: job.data.key });
      });
    }
  }

  /** Takes the hub's resolver: jobs are rebuilt from their keys in whichever worker takes them. */
  bind(resolve: JobResolver): void {
    this.#resolve = resolve;
  }

  every(key: string, intervalMs: number, job: () => Promise<void>, options: RecurringOptions): void {
    this.#local.set(key, job);
    // The first run lands at a jittered time; BullMQ keeps that phase (offset) for every later run, so connections
    // made at one moment do not poll in lock-step. Re-upserting an existing scheduler (each worker's start) keeps it.
    const jitter = (options.jitterRatio ?? 0.1) * intervalMs * Math.random();
    const startDate = Date.now() + Math.max(0, options.initialDelayMs) + (options.initialDelayMs > 0 ? jitter : 0);
    this.#op(key, async () => {
      await this.#queue.upsertJobScheduler(jobIdOf(key), { every: Math.max(1, Math.round(intervalMs)), startDate }, { name: kindOf(key), data: { key }, opts: this.#jobOptions });
    });
  }

  once(key: string, delayMs: number, job: () => Promise<void>): void {
    this.#local.set(key, job);
    this.#op(key, async () => {
      // Replaces the pending one-off job of this key, if it has not started. A running one cannot be removed (BullMQ
      // answers 0), so the new job queues beside it; the store lock keeps them apart.
      const client = await this.#client();
      const previous = await client.hget(this.#onceIndex, key);
      if (previous) await this.#queue.remove(previous);
      const id = `${jobIdOf(key)}.${randomUUID()}`;
      await this.#queue.add(kindOf(key), { key }, { ...this.#jobOptions, jobId: id, delay: Math.max(0, Math.round(delayMs)) });
      await client.hset(this.#onceIndex, key, id);
    });
  }

  cancel(key: string): void {
    this.#local.delete(key);
    this.#op(key, async () => {
      await this.#queue.removeJobScheduler(jobIdOf(key));
      const client = await this.#client();
      const previous = await client.hget(this.#onceIndex, key);
      if (previous) await this.#queue.remove(previous);
      await client.hdel(this.#onceIndex, key);
    });
  }

  /**
   * Stops this process taking jobs, waits for the running ones (a job that ends now is handed back to the queue) and
   * for the pending Redis writes, and closes the connections. The queued jobs and the poll schedules stay in Redis for
   * the other workers: cancelling is `cancel(key)`'s (pause, disconnect).
   */
  close(): Promise<void> {
    return (this.#closed ??= (async () => {
      this.#closing = true;
      await this.#worker?.close();
      while (this.#ops.size) await Promise.allSettled([...this.#ops]);
      this.#queueClosed = true;
      await this.#queue.close();
    })());
  }

  /** The queue's Redis client, for the index of pending one-off jobs (a hash: key → job id). */
  async #client(): Promise<HashClient> {
    return (await this.#queue.client) as unknown as HashClient;
  }

  /** Runs Redis writes of one key in call order (cancel then once must not land as once then cancel). */
  #op(key: string, write: () => Promise<void>): void {
    // Closed: this process schedules nothing more (what it still had to say is in the store: the webhook inbox, the
    // run history), and the other workers carry on.
    if (this.#queueClosed) return;
    const previous = this.#chains.get(key) ?? Promise.resolve();
    const next = previous.then(write).catch((error: unknown) => this.#onError(asError(error), { key }));
    this.#chains.set(key, next);
    this.#ops.add(next);
    void next.finally(() => {
      this.#ops.delete(next);
      if (this.#chains.get(key) === next) this.#chains.delete(key);
    });
  }

  async #process(job: Job<JobData>, token: string | undefined): Promise<void> {
    const { key } = job.data;
    // A fetch already under way when close() began can still hand this worker a job (the one it just handed back,
    // even): give it back untouched.
    if (this.#closing && token) return this.#handBack(job, token);
    const run = this.#resolve?.(key) ?? this.#local.get(key);
    if (!run) throw new Error(`no job for key "${key}" in this worker: is its hub created with this scheduler?`);
    await run();
    // The hub aborted this run at a page boundary to close: another worker continues it from the checkpoint now.
    if (this.#closing && token) return this.#handBack(job, token);
  }

  async #handBack(job: Job<JobData>, token: string): Promise<never> {
    await job.moveToDelayed(Date.now(), token);
    throw new DelayedError();
  }
}

/** BullMQ job ids and scheduler ids must not hold `:` (it separates the parts of its own ids). */
function jobIdOf(key: string): string {
  return key.replace(/[:%]/g, (c) => (c === ':' ? '%3A' : '%25'));
}

function kindOf(key: string): string {
  const colon = key.indexOf(':');
  return colon < 0 ? key : key.slice(0, colon);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** ioredis options from a `redis://` or `rediss://` URL. */
export function redisOptionsFromUrl(url: string): ConnectionOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError('connection: not a URL (expected redis://host:port or rediss://host:port)');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TypeError(`connection: unsupported scheme "${parsed.protocol}" (expected redis: or rediss:)`);
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (db && !/^\d+$/.test(db)) throw new TypeError('connection: the path of a Redis URL is a database number');
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: { servername: parsed.hostname } } : {}),
    // BullMQ's workers block on Redis; it requires this to be null.
    maxRetriesPerRequest: null,
  };
}
