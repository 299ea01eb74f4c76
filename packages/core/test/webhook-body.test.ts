import { connect, type Socket } from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, createHub, MemoryStore, type HubOptions, type TicketEvent, type WebhookRejection } from '../src/index.js';
import { startHostServer, TEST_HUB_DEFAULTS, waitFor } from '../src/testing.js';
import { GOOD_TOKEN, MemDesk, memConnector } from './mem-connector.js';

// Slow and endless webhook bodies over real loopback TCP: each must end in a bounded time with a bounded number of
// bytes read, the client must still see the status, and nothing may reach the host.

const LIMIT = 64 * 1024;
const MiB = 1024 * 1024;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves with the promise's value, or with `fallback` once `ms` passed: no wait in this file is unbounded. */
async function within<T, F>(p: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<F>((r) => (timer = setTimeout(() => r(fallback), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function setup(extra: Partial<HubOptions> = {}) {
  const desk = new MemDesk();
  const store = new MemoryStore();
  const serverSockets = new Set<Socket>();
  let handler: ReturnType<ReturnType<typeof createHub>['webhooks']['nodeHandler']> | undefined;
  const server = await startHostServer((req, res) => {
    serverSockets.add(req.socket);
    handler!(req, res);
  });
  cleanups.push(() => server.close());
  const errors: string[] = [];
  const logger = { debug() {}, info() {}, warn() {}, error: (m: string) => void errors.push(m) };
  const hub = createHub({ connectors: [memConnector(desk)], store, publicUrl: server.url, ...TEST_HUB_DEFAULTS, logger, maxWebhookBodyBytes: LIMIT, webhookBodyTimeoutMs: 500, ...extra });
  cleanups.push(() => hub.close());
  handler = hub.webhooks.nodeHandler();
  const conn = await hub.connect({ platform: 'memdesk', credentials: { subdomain: 'acme', apiToken: GOOD_TOKEN }, syncMode: 'webhook' });
  const events: TicketEvent[] = [];
  hub.on('ticket', (e) => void events.push(e));
  const rejected: WebhookRejection[] = [];
  hub.on('webhook.rejected', (r) => void rejected.push(r));
  const allClosed = () => waitFor(() => [...serverSockets].every((s) => s.destroyed), 3_000, 'the server to close its connections');
  /** What the server took off the wire, over every connection so far. */
  const serverBytesRead = () => [...serverSockets].reduce((n, s) => n + s.bytesRead, 0);
  /** Nothing was delivered, queued or logged as a failure. */
  const nothingEmitted = async () => {
    await sleep(50);
    expect(events).toEqual([]);
    expect(await store.inboxPending()).toEqual([]);
    expect(errors).toEqual([]);
  };
  return { hub, conn, url: conn.webhookUrl!, desk, store, rejected, serverBytesRead, nothingEmitted, serverSockets, allClosed };
}

/**
 * A raw HTTP/1.1 client on a real TCP socket: sends the head, then whatever the test writes. It ignores the server's
 * FIN and keeps sending, so its socket closes only once the server has dropped the connection for good.
 */
function rawPost(target: string, headers: Record<string, string>, method = 'POST') {
  const u = new URL(target);
  const socket = connect({ port: Number(u.port), host: u.hostname, allowHalfOpen: true });
  // The server ends the connection while the client is still writing: EPIPE or ECONNRESET is the expected outcome.
  socket.on('error', () => undefined);
  cleanups.push(() => void socket.destroy());
  let received = '';
  let statusAt: number | undefined;
  socket.on('data', (d: Buffer) => {
    statusAt ??= Date.now();
    received += d.toString('latin1');
  });
  const closed = new Promise<true>((r) => socket.once('close', () => r(true)));
  const head = Object.entries({ host: u.host, ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.write(`${method} ${u.pathname}${u.search} HTTP/1.1\r\n${head}\r\n`);
  return {
    socket,
    closed,
    /** When the first response byte arrived. */
    statusAt: () => statusAt,
    response() {
      const [head = '', body = ''] = received.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const hdrs = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      // The router's answers are sent chunked: a single chunk, then the last one.
      const payload = hdrs['transfer-encoding'] === 'chunked' ? body.split('\r\n')[1] ?? '' : body;
      return { status: Number(statusLine.split(' ')[1]), headers: hdrs, body: payload };
    },
    /** Writes `chunk` as fast as the connection takes it until the server has dropped the connection (5 s at most). */
    async floodUntilDropped(chunk: Buffer, serverClosed: () => Promise<void>) {
      let stopped = false;
      const pump = () => {
        while (!stopped && !socket.destroyed && socket.write(chunk));
        if (!stopped && !socket.destroyed) socket.once('drain', pump);
      };
      pump();
      try {
        expect(await within(closed, 5_000, 'still open after 5 s')).toBe(true);
        await serverClosed();
      } finally {
        stopped = true;
      }
    },
  };
}

const chunkFrame = (data: Buffer) => Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);

describe('webhook body reading (node handler)', () => {
  it('answers 408 to a body dripping slower than webhookBodyTimeoutMs, and closes the connection', async () => {
    const t = await setup({ webhookBodyTimeoutMs: 500 });
    const client = rawPost(t.url, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const started = Date.now();
    const drip = setInterval(() => {
      if (client.socket.writable) client.socket.write('1\r\n{\r\n');
    }, 100);
    try {
      expect(await within(client.closed, 3_000, 'still open after 3 s')).toBe(true);
      await t.allClosed();
    } finally {
      clearInterval(drip);
    }
    const res = client.response();
    expect(res.status).toBe(408);
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(res.body)).toEqual({ ok: false, error: 'body not received within 500 ms' });
    // Generous upper bound on a 500 ms deadline: the answer must not wait for Node's own 300 s request timeout.
    expect(client.statusAt()! - started).toBeLessThan(1_500);
    expect(t.rejected).toEqual([expect.objectContaining({ connectionId: t.conn.id, status: 408, reason: 'body not received within 500 ms' })]);
    await t.nothingEmitted();
  });

  it('answers 413 to a declared oversized body without reading it, and closes the connection', async () => {
    const t = await setup();
    const client = rawPost(t.url, { 'content-type': 'application/json', 'content-length': String(10 * 1024 ** 3) });
    await client.floodUntilDropped(Buffer.alloc(64 * 1024, 32), t.allClosed);
    expect(client.response()).toMatchObject({ status: 413, headers: { connection: 'close' } });
    // 10 GiB declared; the server reads the head and what was buffered with it. Before the fix it read them all.
    expect(t.serverBytesRead()).toBeLessThan(MiB);
    expect(t.rejected.map((r) => r.status)).toEqual([413]);
    await t.nothingEmitted();
  });

  it('answers 413 once an endless chunked body crosses the limit, stops reading it and closes the connection', async () => {
    const t = await setup();
    const client = rawPost(t.url, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    await client.floodUntilDropped(chunkFrame(Buffer.alloc(16 * 1024, 32)), t.allClosed);
    expect(client.response()).toMatchObject({ status: 413, headers: { connection: 'close' } });
    expect(t.serverBytesRead()).toBeLessThan(LIMIT + MiB);
    expect(t.rejected.map((r) => r.status)).toEqual([413]);
    await t.nothingEmitted();
  });

  it('closes instead of draining an endless body sent with a method other than POST', async () => {
    const t = await setup();
    const client = rawPost(t.url, { 'transfer-encoding': 'chunked' }, 'PUT');
    await client.floodUntilDropped(chunkFrame(Buffer.alloc(16 * 1024, 32)), t.allClosed);
    expect(client.response()).toMatchObject({ status: 405, headers: { connection: 'close' } });
    expect(t.serverBytesRead()).toBeLessThan(MiB);
    await t.nothingEmitted();
  });

  it('real HTTP clients in another process read the 413 or 408 before the connection closes', async () => {
    const t = await setup({ webhookBodyTimeoutMs: 300 });
    const rounds = 5;
    const child = fileURLToPath(new URL('./child/webhook-clients.mjs', import.meta.url));
    // A client that hangs is killed; what it printed until then is compared all the same.
    const { stdout } = await run(process.execPath, [child, t.url, String(rounds)], { timeout: 15_000 }).catch((e: { stdout: string }) => e);
    const seen: Record<string, string[]> = {};
    for (const line of stdout.split('\n').filter(Boolean)) {
      const [name, outcome] = JSON.parse(line) as [string, string];
      (seen[name] ??= []).push(outcome);
    }
    const tooLarge = `413 close: {"ok":false,"error":"body larger than ${LIMIT} bytes"}`;
    expect(seen).toEqual({
      declared: Array(rounds).fill(tooLarge),
      endless: Array(rounds).fill(tooLarge),
      slow: Array(rounds).fill('408 close: {"ok":false,"error":"body not received within 300 ms"}'),
      nodeHttp: Array(rounds).fill('413 close: (not read)'),
    });
    expect(t.rejected.map((r) => r.status).sort()).toEqual([...Array(3 * rounds).fill(413), ...Array(rounds).fill(408)].sort());
    await t.nothingEmitted();
  });

  it('a client that goes away mid-body leaves no timer, no rejection and no error behind', async () => {
    const t = await setup({ webhookBodyTimeoutMs: 60_000 });
    // The deadline is the only 60 s timer here: every one started must have been cleared.
    const started = new Set<unknown>();
    const cleared = new Set<unknown>();
    const realSetTimeout = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number, ...args: unknown[]) => {
      const handle = realSetTimeout(fn, ms, ...args);
      if (ms === 60_000) started.add(handle);
      return handle;
    }) as typeof setTimeout);
    const realClearTimeout = globalThis.clearTimeout;
    vi.spyOn(globalThis, 'clearTimeout').mockImplementation((handle) => {
      cleared.add(handle);
      realClearTimeout(handle);
    });
    cleanups.push(() => void vi.restoreAllMocks());
    const leaked = () => [...started].filter((h) => !cleared.has(h)).length;
    const client = rawPost(t.url, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    client.socket.write('5\r\n{"ids\r\n');
    await waitFor(() => t.serverSockets.size === 1, 2_000, 'server saw the request');
    await sleep(50);
    client.socket.destroy();
    await t.allClosed();
    expect(leaked()).toBe(0);
    expect(t.rejected).toEqual([]);
    await t.nothingEmitted();

    // And a body read to the end clears its deadline too.
    const body = JSON.stringify({ ids: [t.desk.add(1)[0]] });
    const ok = await fetch(t.url, { method: 'POST', body, headers: { 'x-mem-signature': t.desk.sign(body, t.conn.webhookSecret!) } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('connection')).not.toBe('close');
    expect(started.size).toBe(2);
    expect(leaked()).toBe(0);
  });
});

it('refuses a webhookBodyTimeoutMs that timers cannot hold', () => {
  for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31]) {
    expect(() => createHub({ connectors: [], store: new MemoryStore(), webhookBodyTimeoutMs: bad, autoStart: false })).toThrow(ConfigError);
  }
});

describe('webhook body reading (fetch handler)', () => {
  /** A body stream that records its pulls and whether it was cancelled; it ends after the test, for a handler that never stops reading. */
  function probeStream(pull: (c: ReadableStreamDefaultController<Uint8Array>) => Promise<void> | void) {
    const probe = { pulls: 0, cancelled: false, ended: false };
    const stream = new ReadableStream<Uint8Array>({
      async pull(c) {
        probe.pulls++;
        if (probe.ended) return c.close();
        await pull(c);
      },
      cancel() {
        probe.cancelled = true;
      },
    });
    cleanups.push(() => void (probe.ended = true));
    return { stream, probe };
  }

  /** The fetch handler's answer to a POST of `body`, within 3 s. */
  async function answer(t: Awaited<ReturnType<typeof setup>>, body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Promise<Response> {
    const request = new Request(t.url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, duplex: 'half' } as RequestInit);
    const res = await within(t.hub.webhooks.fetchHandler()(request), 3_000, 'no answer after 3 s');
    expect(res).toBeInstanceOf(Response);
    return res as Response;
  }

  it('answers 408 to a slow body stream and cancels it', async () => {
    const t = await setup({ webhookBodyTimeoutMs: 500 });
    const { stream, probe } = probeStream(async (c) => {
      await sleep(100);
      c.enqueue(new Uint8Array([32]));
    });
    const started = Date.now();
    const res = await answer(t, stream);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(res.status).toBe(408);
    expect(res.headers.get('connection')).toBe('close');
    expect(await res.json()).toEqual({ ok: false, error: 'body not received within 500 ms' });
    expect(probe.cancelled).toBe(true);
    const pulls = probe.pulls;
    await sleep(300);
    expect(probe.pulls).toBe(pulls);
    expect(t.rejected.map((r) => [r.status, r.connectionId])).toEqual([[408, t.conn.id]]);
    await t.nothingEmitted();
  });

  it('answers 413 to a declared oversized body and cancels its stream unread', async () => {
    const t = await setup();
    const { stream, probe } = probeStream((c) => c.enqueue(new Uint8Array(16 * 1024)));
    const res = await answer(t, stream, { 'content-length': String(10 * 1024 ** 3) });
    expect(res.status).toBe(413);
    expect(res.headers.get('connection')).toBe('close');
    expect(probe.cancelled).toBe(true);
    expect(probe.pulls).toBeLessThanOrEqual(1);
    expect(t.rejected.map((r) => r.status)).toEqual([413]);
    await t.nothingEmitted();
  });

  it('answers 413 once an endless body stream crosses the limit, and cancels it', async () => {
    const t = await setup();
    const { stream, probe } = probeStream((c) => c.enqueue(new Uint8Array(16 * 1024)));
    const res = await answer(t, stream);
    expect(res.status).toBe(413);
    expect(res.headers.get('connection')).toBe('close');
    expect(probe.cancelled).toBe(true);
    const pulls = probe.pulls;
    expect(pulls * 16 * 1024).toBeLessThan(LIMIT + 64 * 1024);
    await sleep(100);
    expect(probe.pulls).toBe(pulls);
    await t.nothingEmitted();
  });
});
