import { afterEach, describe, expect, it } from 'vitest';
import { defineConnector, MemoryStore, PermanentError, TransientError } from '../src/index.js';
import { startHubServer } from '../src/testing.js';
import { GOOD_TOKEN, MemDesk, memConnector } from './mem-connector.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** MemDesk whose parse fails as the body says: a platform outage while reading, or a body it cannot read. */
async function setup() {
  const desk = new MemDesk();
  const base = memConnector(desk);
  const connector = defineConnector({
    ...base,
    webhook: {
      ...base.webhook!,
      parse: (ctx, input) => {
        const body = input.request.rawBody.toString('utf8');
        if (body.includes('outage')) throw new TransientError('GET /tickets/1 failed: connection reset', { platform: 'memdesk', retryAfterMs: 12_000 });
        if (body.includes('nonsense')) throw new PermanentError('unexpected payload shape', { platform: 'memdesk' });
        return base.webhook!.parse(ctx as never, input);
      },
    },
  });
  const started = await startHubServer({ connectors: [connector], store: new MemoryStore() });
  cleanups.push(() => started.close());
  const { hub } = started;
  const conn = await hub.connect({ platform: 'memdesk', credentials: { subdomain: 'acme', apiToken: GOOD_TOKEN }, syncMode: 'webhook' });
  const send = async (body: string) => {
    const res = await fetch(conn.webhookUrl!, { method: 'POST', headers: { 'content-type': 'application/json', 'x-mem-signature': desk.sign(body, conn.webhookSecret!) }, body });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { error?: string } };
  };
  return { hub, conn, send };
}

describe('a webhook whose parse fails', () => {
  it('is answered 503 with Retry-After when the platform could not be read, and is not dead-lettered', async () => {
    const { hub, conn, send } = await setup();
    const res = await send('{"outage":true}');
    expect(res).toMatchObject({ status: 503, retryAfter: '12' });
    expect(await hub.deadLetters(conn.id)).toEqual([]);
  });

  it('is answered 400 and kept as a dead letter when the body itself cannot be read', async () => {
    const { hub, conn, send } = await setup();
    const res = await send('{"nonsense":true}');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/unexpected payload shape.*dead letter/);
    expect((await hub.deadLetters(conn.id)).map((d) => d.body)).toEqual(['{"nonsense":true}']);
  });
});
