import { afterEach, describe, expect, it } from 'vitest';
import { createHub, defineConnector, MemoryStore, type Hub } from '../src/index.js';
import { startHostServer, TEST_HUB_DEFAULTS } from '../src/testing.js';
import { GOOD_TOKEN, MemDesk, memConnector } from './mem-connector.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** MemDesk with a register() that works only for some accounts (an admin right), as Jira's admin webhooks do. */
function connector(admin: boolean, calls: string[]) {
  const base = memConnector(new MemDesk());
  return defineConnector({
    ...base,
    webhook: {
      ...base.webhook!,
      async register(_ctx, target) {
        calls.push(target.url);
        return admin ? { secret: target.secret, resources: { id: 'w1' } } : null;
      },
    },
  });
}

async function hubWith(admin: boolean, calls: string[]) {
  let hubRef: Hub | undefined;
  const server = await startHostServer((req, res) => hubRef!.webhooks.nodeHandler()(req, res));
  cleanups.push(() => server.close());
  const hub = createHub({ connectors: [connector(admin, calls)], store: new MemoryStore(), publicUrl: server.url, ...TEST_HUB_DEFAULTS });
  hubRef = hub;
  cleanups.push(() => hub.close());
  return hub;
}

describe('register() that declines', () => {
  it('falls back to the manual steps, with the host secret shown once, when register() resolves null', async () => {
    const calls: string[] = [];
    const hub = await hubWith(false, calls);
    const conn = await hub.connect({ platform: 'memdesk', credentials: { subdomain: 'acme', apiToken: GOOD_TOKEN }, syncMode: 'both' });
    expect(calls).toEqual([conn.webhookUrl]);
    expect(conn.webhookSetup.kind).toBe('manual');
    expect(conn.webhookSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const steps = conn.webhookSetup.kind === 'manual' ? conn.webhookSetup.instructions.steps.join('\n') : '';
    expect(steps).toContain(conn.webhookUrl);
    expect(steps).toContain(conn.webhookSecret);
  });

  it('registers when register() returns a registration', async () => {
    const calls: string[] = [];
    const hub = await hubWith(true, calls);
    const conn = await hub.connect({ platform: 'memdesk', credentials: { subdomain: 'acme', apiToken: GOOD_TOKEN }, syncMode: 'both' });
    expect(conn.webhookSetup.kind).toBe('registered');
    expect(conn.webhookSecret).toBeUndefined();
  });
});
