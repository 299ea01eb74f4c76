import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, createHub, MemoryStore, ResponseTooLargeError, TransientError, type Hub } from '../../src/index.js';
import { createHttpClient, DEFAULT_MAX_RESPONSE_BYTES } from '../../src/http/create-http-client.js';
import { acme, startAcmeSimulator, TEST_HUB_DEFAULTS, type AcmeSimulator } from '../../src/testing.js';
import { closeServers, fast, recordingServer, redactor, streamBody, zendeskLikeConfig, type StreamedBody } from './helpers.js';

afterEach(closeServers);

const MiB = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'a');

/** A platform whose 200 body never ends (a proxy looping on a buffer); `ceilingBytes` keeps a broken client from eating the worker. */
async function endlessServer(ceilingBytes: number) {
  const bodies: StreamedBody[] = [];
  const recorded = await recordingServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    bodies.push(streamBody(res, () => CHUNK, ceilingBytes));
    return undefined;
  });
  return { ...recorded, bodies };
}

describe('createHttpClient: response size cap', () => {
  it('stops reading an endless 200 body at the 64 MiB default, closes the connection and does not retry', async () => {
    const { server, requests, bodies } = await endlessServer(256 * MiB);
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url, ...fast });

    const started = Date.now();
    const error = await http.get('tickets.json', { searchParams: { page: 2 } }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;

    expect(error).toBeInstanceOf(ResponseTooLargeError);
    const tooLarge = error as ResponseTooLargeError;
    expect(tooLarge.message).toBe(
      `[ticketbridge] [zendesk] GET /api/v2/tickets.json answered 200 with a body over ${64 * MiB} bytes (maxResponseBytes); stopped reading`,
    );
    expect(tooLarge).toMatchObject({ code: 'response_too_large', status: 200, request: 'GET /api/v2/tickets.json', limitBytes: 64 * MiB, retryable: false, platform: 'zendesk' });
    expect(tooLarge.toJSON()).toMatchObject({ code: 'response_too_large', status: 200, limitBytes: 64 * MiB, retryable: false });
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(64 * MiB);
    expect(requests).toHaveLength(1);
    // The client cancelled the body, so the server saw the connection close rather than the ceiling reset it.
    await bodies[0]!.closed;
    const written = bodies[0]!.written();
    await sleep(100);
    expect(bodies[0]!.written()).toBe(written);
    // What the server got out is the cap plus what sat in socket buffers, nowhere near the ceiling.
    expect(written).toBeGreaterThan(64 * MiB);
    expect(written).toBeLessThan(64 * MiB + 16 * MiB);
    expect(elapsed).toBeLessThan(10_000);
  });

  it('fails on a content-length over the cap before reading any of the body', async () => {
    let bodyClosed: Promise<void> | undefined;
    const { server, requests } = await recordingServer((_req, res) => {
      // Headers promise 10 GB, then nothing: a client that waited for the body would sit until its timeout.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(10 * 1024 * MiB) });
      res.flushHeaders();
      bodyClosed = new Promise((resolve) => res.on('close', () => resolve()));
      return undefined;
    });
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url, timeoutMs: 10_000, ...fast });

    const started = Date.now();
    const error = await http.get('tickets.json').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect((error as Error).message).toBe(
      `[ticketbridge] [zendesk] GET /api/v2/tickets.json answered 200 with a body of ${10 * 1024 * MiB} bytes (content-length), over ${64 * MiB} (maxResponseBytes); not read`,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(requests).toHaveLength(1);
    await bodyClosed;
  });

  it('caps an error body too, keeping its status', async () => {
    const { server } = await recordingServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      streamBody(res, () => CHUNK, 64 * MiB);
      return undefined;
    });
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url, maxResponseBytes: MiB, ...fast });
    const error = await http.get('tickets.json').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error).toMatchObject({ status: 502, limitBytes: MiB });
  });

  describe('precedence: request, then connector, then client (hub) option, then the default', () => {
    // 3000 bytes, chunked (no content-length), so only the streaming count can catch it.
    const body = JSON.stringify({ pad: 'x'.repeat(2990) });
    const start = () =>
      recordingServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
        return undefined;
      });
    const cases: Array<{ name: string; client?: number; connector?: number; request?: number; limit: number | undefined }> = [
      { name: 'the client option alone', client: 1000, limit: 1000 },
      { name: 'the connector over the client option (larger)', client: 1000, connector: 5000, limit: undefined },
      { name: 'the connector over the client option (smaller)', client: 5000, connector: 1000, limit: 1000 },
      { name: 'the request over the connector (larger)', connector: 1000, request: 5000, limit: undefined },
      { name: 'the request over the connector (smaller)', client: 5000, connector: 5000, request: 1000, limit: 1000 },
    ];
    it.each(cases)('$name', async ({ client, connector, request, limit }) => {
      const { server } = await start();
      const http = createHttpClient(zendeskLikeConfig(connector === undefined ? {} : { maxResponseBytes: connector }), {
        platform: 'zendesk',
        redactor,
        baseUrlOverride: server.url,
        ...(client === undefined ? {} : { maxResponseBytes: client }),
        ...fast,
      });
      const result = http.get('tickets.json', request === undefined ? {} : { maxResponseBytes: request });
      if (limit === undefined) await expect(result).resolves.toEqual(JSON.parse(body));
      else await expect(result).rejects.toMatchObject({ code: 'response_too_large', limitBytes: limit });
    });

    it('refuses a cap that is not a positive whole number or that no string could hold', async () => {
      const { server } = await start();
      const make = (value: number, where: 'client' | 'connector') =>
        createHttpClient(zendeskLikeConfig(where === 'connector' ? { maxResponseBytes: value } : {}), {
          platform: 'zendesk',
          redactor,
          baseUrlOverride: server.url,
          ...(where === 'client' ? { maxResponseBytes: value } : {}),
        });
      for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 40]) {
        expect(() => make(bad, 'client')).toThrow(ConfigError);
        expect(() => make(bad, 'connector')).toThrow(ConfigError);
      }
      await expect(make(10, 'client').get('tickets.json', { maxResponseBytes: 0 })).rejects.toThrow(/HttpRequestOptions\.maxResponseBytes must be a whole number/);
    });
  });

  describe('decoding', () => {
    // "é" is two bytes and "😀" four; chunks of 5 bytes split them, with a pause so each chunk is its own read.
    const text = JSON.stringify({ subject: 'Café 😀 ünïcödé' });
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    const chunks = Array.from({ length: Math.ceil(bytes.length / 5) }, (_, i) => bytes.subarray(i * 5, i * 5 + 5));
    it.each([
      { name: 'with content-length', headers: { 'content-length': String(bytes.length) } },
      { name: 'chunked', headers: {} },
    ])('decodes UTF-8 split across reads and drops the BOM ($name)', async ({ headers }) => {
      const { server } = await recordingServer(async (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', ...headers });
        for (const chunk of chunks) {
          res.write(chunk);
          await sleep(2);
        }
        res.end();
        return undefined;
      });
      const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url, ...fast });
      await expect(http.get('tickets.json')).resolves.toEqual(JSON.parse(text));
    });
  });

  it('still times out a body that trickles in under the cap', async () => {
    const { server } = await recordingServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"tickets":[');
      const timer = setInterval(() => res.write('{"id":1},'), 20);
      res.on('close', () => clearInterval(timer));
      return undefined;
    });
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url, timeoutMs: 200, retries: 0 });
    const error = await http.get('tickets.json').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toMatch(/timed out after 200 ms/);
  });
});

describe('response size cap through a hub sync', () => {
  const sims: AcmeSimulator[] = [];
  const hubs: Hub[] = [];
  afterEach(async () => {
    for (const hub of hubs.splice(0)) await hub.close();
    for (const sim of sims.splice(0)) await sim.close();
  });

  it('fails the run with response_too_large in history, without retrying, and the next sync starts from the same cursor', async () => {
    const sim = await startAcmeSimulator({ seed: 5, tickets: 30 });
    sims.push(sim);
    let endless = true;
    const bodies: StreamedBody[] = [];
    // In front of the real simulator: /api/tickets answers an endless page while `endless` holds; the rest is relayed.
    const { server: front, requests } = await recordingServer(async (req, res) => {
      if (endless && req.url.pathname === '/api/tickets') {
        res.writeHead(200, { 'content-type': 'application/json' });
        bodies.push(streamBody(res, () => CHUNK, 256 * MiB));
        return undefined;
      }
      const relayed = await fetch(sim.url + req.rawUrl, { headers: { authorization: String(req.headers.authorization) } });
      return { status: relayed.status, headers: { 'content-type': relayed.headers.get('content-type') ?? 'application/json' }, body: Buffer.from(await relayed.arrayBuffer()) };
    });
    const hub = createHub({
      connectors: [acme()],
      store: new MemoryStore(),
      ...TEST_HUB_DEFAULTS,
      http: { ...TEST_HUB_DEFAULTS.http, maxResponseBytes: 4 * MiB },
    });
    hubs.push(hub);
    const failures: Array<{ code: string; willRetry: boolean }> = [];
    hub.on('sync.failed', (_run, error, willRetry) => failures.push({ code: error.code, willRetry }));
    const delivered: string[] = [];
    hub.on('ticket', (event) => {
      delivered.push(event.ticket.externalId);
    });
    const conn = await hub.connect({ platform: 'acme', credentials: { ...sim.credentials() }, baseUrl: front.url, syncMode: 'poll' });

    const run = await hub.syncNow(conn.id);

    expect(run.status).toBe('failed');
    expect(run.attempt).toBe(1);
    expect(run.nextRetryAt).toBeUndefined();
    expect(run.errors).toEqual([
      expect.objectContaining({
        code: 'response_too_large',
        status: 200,
        message: `[ticketbridge] [acme] GET /api/tickets answered 200 with a body over ${4 * MiB} bytes (maxResponseBytes); stopped reading`,
      }),
    ]);
    expect(failures).toEqual([{ code: 'response_too_large', willRetry: false }]);
    expect(requests.filter((r) => r.url.pathname === '/api/tickets')).toHaveLength(1);
    await bodies[0]!.closed;
    expect(bodies[0]!.written()).toBeLessThan(4 * MiB + 16 * MiB);
    const [recorded] = await hub.history(conn.id);
    expect(recorded).toMatchObject({ id: run.id, status: 'failed', errors: [expect.objectContaining({ code: 'response_too_large' })] });
    expect(JSON.stringify(await hub.history(conn.id))).not.toContain(sim.credentials().apiToken);

    // The process, the hub and the connection are fine: once the platform behaves, a sync reads everything from the
    // cursor the failed run left alone (the start).
    endless = false;
    const next = await hub.syncNow(conn.id);
    expect(next).toMatchObject({ status: 'succeeded', cursorBefore: null, ticketsSynced: 30 });
    expect(new Set(delivered).size).toBe(30);
  });
});
