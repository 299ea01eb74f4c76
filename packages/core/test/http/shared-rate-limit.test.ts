import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ContextFactory } from '../../src/connection/connection-context.js';
import { defineConnector, secretField, silentLogger } from '../../src/index.js';
import { closeServers, fast, recordingObserver, recordingServer } from './helpers.js';

afterEach(closeServers);

/** A connector with nothing but an HTTP config: enough to build contexts for. */
const connector = defineConnector({
  contractVersion: 1,
  id: 'limitdesk',
  displayName: 'LimitDesk',
  credentials: z.object({ apiToken: secretField({ label: 'API token' }) }),
  http: (c) => ({ baseUrl: 'https://limitdesk.example/api', headers: { authorization: `Bearer ${c.apiToken}` }, authField: 'apiToken' }),
  testConnection: async () => ({ accountName: 'limitdesk' }),
  cursor: z.object({}),
  async *pull() {
    return;
  },
  fetchTicket: async () => null,
});

const source = (id: string, url: string) => ({ id, credentials: { apiToken: 'limitdesk-token-0123456789' }, secretFields: ['apiToken'], metadata: {}, baseUrl: url });

describe('rate-limit state shared per connection (ContextFactory)', () => {
  it('a 429 met through one context pauses the other contexts of that connection, and only of that connection', async () => {
    let calls = 0;
    const { server, requests } = await recordingServer((req) =>
      req.url.pathname.endsWith('/first') && ++calls === 1 ? { status: 429, headers: { 'retry-after': '1' }, body: { error: 'rate limited' } } : { status: 200, body: { ok: true } },
    );
    const factory = new ContextFactory({ logger: silentLogger, http: { retries: 0, ...fast }, signal: new AbortController().signal });
    const first = recordingObserver();
    const second = recordingObserver();
    const other = recordingObserver();
    // Three pieces of work, as the hub makes them: a webhook's hydration, then a poll of the same connection, and
    // work for another connection.
    const a = factory.create(connector, source('conn_a', server.url), { observer: first.observer }).ctx;
    const b = factory.create(connector, source('conn_a', server.url), { observer: second.observer }).ctx;
    const c = factory.create(connector, source('conn_b', server.url), { observer: other.observer }).ctx;

    const firstDone = a.http.get('first');
    // Once the 429 is in, the connection's bucket is paused for everyone working for it.
    await expect.poll(() => first.of('rateLimited').length).toBe(1);
    await expect(c.http.get('other')).resolves.toEqual({ ok: true });
    await expect(b.http.get('second')).resolves.toEqual({ ok: true });
    await expect(firstDone).resolves.toEqual({ ok: true });

    const at = (suffix: string) => requests.find((r) => r.url.pathname.endsWith(suffix))!.at;
    const limitedAt = requests[0]!.at;
    expect(second.of('wait')[0]).toBeGreaterThan(0);
    expect(at('/second') - limitedAt).toBeGreaterThanOrEqual(900);
    // Another connection's account is not paused.
    expect(other.of('wait')).toEqual([]);
    expect(at('/other') - limitedAt).toBeLessThan(900);
  });
});

describe('contexts on the hub lifetime reuse the connection client (ContextFactory)', () => {
  it('sends the current credentials to the current base URL after either changes', async () => {
    const one = await recordingServer(() => ({ status: 200, body: { ok: true } }));
    const two = await recordingServer(() => ({ status: 200, body: { ok: true } }));
    const factory = new ContextFactory({ logger: silentLogger, http: { retries: 0, ...fast }, signal: new AbortController().signal });
    const withToken = (apiToken: string, url: string) => ({ ...source('conn_a', url), credentials: { apiToken } });

    await factory.create(connector, withToken('limitdesk-token-aaaaaaaaaa', one.server.url)).ctx.http.get('a');
    await factory.create(connector, withToken('limitdesk-token-aaaaaaaaaa', one.server.url)).ctx.http.get('b');
    // updateCredentials saved a new token, then the connection moved to another base URL.
    await factory.create(connector, withToken('limitdesk-token-bbbbbbbbbb', one.server.url)).ctx.http.get('c');
    await factory.create(connector, withToken('limitdesk-token-bbbbbbbbbb', two.server.url)).ctx.http.get('d');

    expect(one.requests.map((r) => [r.url.pathname, r.headers.authorization])).toEqual([
      ['/api/a', 'Bearer limitdesk-token-aaaaaaaaaa'],
      ['/api/b', 'Bearer limitdesk-token-aaaaaaaaaa'],
      ['/api/c', 'Bearer limitdesk-token-bbbbbbbbbb'],
    ]);
    expect(two.requests.map((r) => [r.url.pathname, r.headers.authorization])).toEqual([['/api/d', 'Bearer limitdesk-token-bbbbbbbbbb']]);
  });

  it('gives each context a signal of its own that follows the hub lifetime, so a connector adding listeners adds none to it', async () => {
    const lifetime = new AbortController();
    const factory = new ContextFactory({ logger: silentLogger, http: {}, signal: lifetime.signal });
    const signals = Array.from({ length: 12 }, () => factory.create(connector, source('conn_a', 'http://127.0.0.1:9')).ctx.signal);
    const aborted: unknown[] = [];
    for (const signal of signals) signal.addEventListener('abort', () => aborted.push(signal.reason));
    expect(getEventListeners(lifetime.signal, 'abort')).toEqual([]);
    const reason = new Error('hub closing');
    lifetime.abort(reason);
    expect(aborted).toEqual(Array(12).fill(reason));
  });
});
