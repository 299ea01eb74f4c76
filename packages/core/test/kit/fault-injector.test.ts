import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultInjector, rateLimitPresets, startSimulatorBase, type SimulatorBase } from '@ticketbridge/core/testing';

const BODY = { tickets: Array.from({ length: 50 }, (_, i) => ({ id: i + 1, subject: `Ticket ${i + 1} — Ünïcode ✓` })) };

describe('fault injection observed by a real fetch', () => {
  let sim: SimulatorBase | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  const start = async () => {
    sim = await startSimulatorBase({
      rateLimit: { limit: null, windowMs: 60_000, ...rateLimitPresets.acme },
      routes: [
        { method: 'GET', path: '/api/tickets', handler: () => ({ status: 200, body: BODY }) },
        { method: 'GET', path: '/api/me', handler: () => ({ status: 200, body: { id: 'me' } }) },
      ],
    });
    return sim;
  };

  it('status500 / status502 / status503 send those statuses with bodies, then normal service resumes', async () => {
    const s = await start();
    s.faults.inject('status500');
    s.faults.inject('status502');
    s.faults.inject('status503', { delayMs: 2_000 });
    const r500 = await fetch(`${s.url}/api/tickets`);
    expect([r500.status, await r500.json()]).toEqual([500, { error: 'internal_error', message: 'Internal Server Error' }]);
    const r502 = await fetch(`${s.url}/api/tickets`);
    expect(r502.status).toBe(502);
    expect(r502.headers.get('content-type')).toBe('text/html');
    expect(await r502.text()).toContain('502 Bad Gateway');
    const r503 = await fetch(`${s.url}/api/tickets`);
    expect(r503.status).toBe(503);
    expect(r503.headers.get('retry-after')).toBe('2');
    expect(await r503.json()).toEqual({ error: 'service_unavailable', message: 'Service Unavailable' });
    const ok = await fetch(`${s.url}/api/tickets`);
    expect(await ok.json()).toEqual(BODY);
  });

  it('status429 answers the platform 429 with Retry-After and counts in stats, and waiting violations', async () => {
    const s = await start();
    s.faults.inject('status429', { delayMs: 3_000 });
    const limited = await fetch(`${s.url}/api/tickets`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(await limited.json()).toMatchObject({ error: 'rate_limited' });
    // Ignoring the Retry-After: a violation.
    await fetch(`${s.url}/api/tickets`);
    expect(s.stats()).toMatchObject({ requests: 2, rateLimited: 1, limitViolations: 1 });
  });

  it('reset destroys the connection before any byte', async () => {
    const s = await start();
    s.faults.inject('reset');
    await expect(fetch(`${s.url}/api/tickets`)).rejects.toThrow();
    expect((await fetch(`${s.url}/api/tickets`)).status).toBe(200);
  });

  it('reset with resetAt "body" sends headers and part of the body, then drops the connection', async () => {
    const s = await start();
    s.faults.inject('reset', { resetAt: 'body' });
    const res = await fetch(`${s.url}/api/tickets`);
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it('truncated announces the full content-length but sends half the body', async () => {
    const s = await start();
    s.faults.inject('truncated');
    const full = Buffer.byteLength(JSON.stringify(BODY));
    const { status, contentLength, received, error } = await new Promise<{ status: number; contentLength: number; received: number; error: string | undefined }>((resolve) => {
      const req = httpRequest(`${s.url}/api/tickets`, (res) => {
        let received = 0;
        res.on('data', (c: Buffer) => (received += c.length));
        const done = (error?: Error) => resolve({ status: res.statusCode!, contentLength: Number(res.headers['content-length']), received, error: error?.message });
        res.on('error', done);
        res.on('aborted', () => done(new Error('aborted')));
        res.on('end', () => done());
      });
      req.on('error', (e) => resolve({ status: 0, contentLength: 0, received: 0, error: e.message }));
      req.end();
    });
    expect(status).toBe(200);
    expect(contentLength).toBe(full);
    expect(received).toBeLessThan(full);
    expect(error).toBeDefined();
    // And a fetch client sees a body it cannot read.
    s.faults.inject('truncated');
    const res = await fetch(`${s.url}/api/tickets`);
    await expect(res.json()).rejects.toThrow();
  });

  it('slow delays the normal response: a later request to another path finishes first', async () => {
    const s = await start();
    s.faults.inject('slow', { delayMs: 400, path: /\/api\/tickets/ });
    const order: string[] = [];
    const slow = fetch(`${s.url}/api/tickets`).then(async (r) => {
      order.push('tickets');
      return r.json();
    });
    await new Promise((r) => setTimeout(r, 50));
    await fetch(`${s.url}/api/me`).then(() => order.push('me'));
    expect(await slow).toEqual(BODY);
    expect(order).toEqual(['me', 'tickets']);
  });

  it('applies a fault only to matching paths, count times, and clear() drops pending ones', async () => {
    const s = await start();
    s.faults.inject('status500', { count: 2, path: /\/api\/tickets$/ });
    expect((await fetch(`${s.url}/api/me`)).status).toBe(200);
    expect((await fetch(`${s.url}/api/tickets`)).status).toBe(500);
    expect((await fetch(`${s.url}/api/tickets`)).status).toBe(500);
    expect((await fetch(`${s.url}/api/tickets`)).status).toBe(200);
    s.faults.inject('status503', { count: 5 });
    s.faults.clear();
    expect((await fetch(`${s.url}/api/tickets`)).status).toBe(200);
  });

  it('uses platform bodies when given and refuses a nonsensical count', () => {
    const faults = createFaultInjector({ responses: { status500: () => ({ status: 500, body: { errors: [{ code: 'server_error' }] } }) } });
    expect(() => faults.inject('status500', { count: 0 })).toThrow(/positive integer/);
    faults.inject('slow', { count: 2, delayMs: 5 });
    expect(faults.pending()).toEqual([{ kind: 'slow', remaining: 2, delayMs: 5 }]);
  });
});

describe('simulator base routing', () => {
  it('authenticates non-public routes, answers 405 for a known path with another method and 404 otherwise', async () => {
    const sim = await startSimulatorBase({
      authenticate: (req) => (req.headers.authorization === 'Bearer good' ? undefined : { status: 401, body: { error: 'invalid_token', message: 'nope' } }),
      routes: [
        { method: 'GET', path: '/api/tickets/:id', handler: (_req, p) => ({ status: 200, body: { id: p.id } }) },
        { method: 'GET', path: '/health', public: true, handler: () => ({ status: 200, body: 'ok' }) },
      ],
    });
    try {
      expect((await fetch(`${sim.url}/api/tickets/7`)).status).toBe(401);
      const ok = await fetch(`${sim.url}/api/tickets/a%20b`, { headers: { authorization: 'Bearer good' } });
      expect(await ok.json()).toEqual({ id: 'a b' });
      expect((await fetch(`${sim.url}/health`)).status).toBe(200);
      expect((await fetch(`${sim.url}/api/tickets/7`, { method: 'DELETE', headers: { authorization: 'Bearer good' } })).status).toBe(405);
      expect((await fetch(`${sim.url}/nope`)).status).toBe(404);
      expect(sim.stats().byPath).toEqual({ '/api/tickets/7': 2, '/api/tickets/a%20b': 1, '/health': 1, '/nope': 1 });
      sim.resetStats();
      expect(sim.stats()).toEqual({ requests: 0, rateLimited: 0, limitViolations: 0, byPath: {} });
    } finally {
      await sim.close();
    }
  });
});
