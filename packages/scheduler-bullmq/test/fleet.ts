// A fleet of worker processes for the multi-worker test and the benchmark: the services it needs (Redis, and
// PostgreSQL when configured), a load balancer in front of the workers' webhook endpoints, and the shared record.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import pg from 'pg';
import { redisOptionsFromUrl } from '../src/index.js';
import type { StoreConfig } from './child/worker-config.js';

/** The services of a multi-worker run, from the environment (`scripts/services/*.sh` print these). */
export interface Services {
  redisUrl: string;
  /** Set when `TICKETBRIDGE_PG_URL` is: the fleet shares a PostgreSQL store; otherwise one SQLite file (WAL). */
  pgUrl?: string;
}

/**
 * The services, or why they are missing. Locally a missing `TICKETBRIDGE_REDIS_URL` skips the multi-worker tests;
 * under `CI=true` it fails them, since CI starts Redis and must not pass by skipping.
 */
export function services(): { ok: true; services: Services } | { ok: false; reason: string } {
  const redisUrl = process.env['TICKETBRIDGE_REDIS_URL'];
  const pgUrl = process.env['TICKETBRIDGE_PG_URL'];
  if (!redisUrl) {
    return { ok: false, reason: 'TICKETBRIDGE_REDIS_URL is unset: start Redis with `eval "$(bash scripts/services/redis.sh)"` (Debian redis-server 6.2+ on loopback)' };
  }
  return { ok: true, services: { redisUrl, ...(pgUrl ? { pgUrl } : {}) } };
}

/** A store every worker of one run shares: a fresh PostgreSQL schema... or a fresh SQLite file. */
export function sharedStore(s: Services, dir: string): StoreConfig {
  const key = randomBytes(32).toString('base64');
  // A schema of its own per run: runs never see each other's rows (drop it with dropSchema).
  if (s.pgUrl) return { kind: 'postgres', url: s.pgUrl, schema: `tb_fleet_${randomUUID().replace(/-/g, '').slice(0, 12)}`, key };
  return { kind: 'sqlite', path: join(dir, 'fleet.db'), key };
}

/** Removes a run's PostgreSQL schema. */
export async function dropSchema(config: StoreConfig): Promise<void> {
  if (config.kind !== 'postgres') return;
  const client = new pg.Client({ connectionString: config.url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${config.schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** A temporary directory removed by `dispose`. */
export function scratch(): { dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tb-fleet-'));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh queue name, and its removal from Redis afterwards. */
export function freshQueue(redisUrl: string): { name: string; obliterate(): Promise<void> } {
  const name = `tb-test-${randomUUID().slice(0, 8)}`;
  return {
    name,
    async obliterate() {
      const queue = new Queue(name, { connection: redisOptionsFromUrl(redisUrl) });
      await queue.obliterate({ force: true }).catch(() => undefined);
      const client = await queue.client;
      await client.del(`bull:${name}:ticketbridge:once`);
      await queue.close();
    },
  };
}

/**
 * A round-robin load balancer on loopback in front of the workers' webhook endpoints: what platforms post to (the
 * hub's `publicUrl`). A worker that is gone (refused connection) is skipped and the request goes to the next.
 */
export async function startLoadBalancer(): Promise<{ url: string; setTargets(ports: number[]): void; close(): Promise<void> }> {
  let targets: number[] = [];
  let next = 0;
  // Each request tries every target once, starting with the next in turn.
  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse, first: number, tries: number) => {
    if (tries >= targets.length) {
      res.writeHead(502).end();
      return;
    }
    const port = targets[(first + tries) % targets.length]!;
    const out = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers, agent: false }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => forward(req, body, res, first, tries + 1));
    out.end(body);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => forward(req, Buffer.concat(chunks), res, next++, 0));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setTargets: (ports) => {
      targets = [...ports];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One line of the shared record file. */
export type RecordLine =
  | { type: 'ticket'; w: number; t: number; conn: string; id: string; v: string; key: string; src: string }
  | { type: 'start' | 'page'; w: number; t: number; conn: string; run: string }
  | { type: 'end'; w: number; t: number; conn: string; run: string; status: string; error?: string };

/** Reads the record; a line torn by a SIGKILL in mid-write (never seen, but possible) is left out. */
export function readRecord(file: string): RecordLine[] {
  if (!existsSync(file)) return [];
  const out: RecordLine[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as RecordLine);
    } catch {
      // torn tail of a killed writer
    }
  }
  return out;
}
