import { afterEach, describe, expect, it } from 'vitest';
import { defineConnector, MemoryStore } from '../src/index.js';
import { startHubServer } from '../src/testing.js';
import { GOOD_TOKEN, MemDesk, memConnector } from './mem-connector.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** MemDesk with a register() that only some accounts may call (an admin right), as Jira's admin webhooks. */
function connector(admin: boolean, calls: string[]) {
  const base = memConnector(new MemDesk());
  return defineConnector({
    ...base,
    webhook: {
      ...base.webhook!,
      canRegister: async () => admin,
      async register(_ctx, target) {
        calls.push(target.url);
        return { secret: target.secret, resources: { id: 'w1' } };
      },
    },
  });
}

async function hubWith(admin: boolean, calls: string[]) {
  const started = await startHubServer({ connectors: [connector(admin, calls)], store: new MemoryStore() });
  cleanups.push(() => started.close());
  const { hub } = started;
  return hub;
}

describe('canRegister()', () => {
  it('gives the manual steps, with the host secret shown once, and never calls register() when it answers false', async () => {
    const calls: string[] = [];
    const hub = await hubWith(false, calls);
    const conn = await hub.connect({ platform: 'memdesk', credentials: { subdomain: 'acme', apiToken: GOOD_TOKEN }, syncMode: 'both' });
    expect(calls).toEqual([]);
    expect(conn.webhookSetup.kind).toBe('manual');
    expect(conn.webhookSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const steps = conn.webhookSetup.kind === 'manual' ? conn.webhookSetup.instructions.steps.join('\n') : '';
    expect(steps).toContain(conn.webhookUrl);
    expect(steps).toContain(conn.webhookSecret);
  });

  it('registers when it answers true', async () => {
    const calls: string[] = [];
    const hub = await hubWith(true, calls);
    const conn = await hub.connect({ platform: 'memdesk', credentials: { subdomain: 'acme', apiToken: GOOD_TOKEN }, syncMode: 'both' });
    expect(conn.webhookSetup.kind).toBe('registered');
    expect(conn.webhookSecret).toBeUndefined();
  });

  it('is refused at load time without instructions() to fall back to', () => {
    const base = memConnector(new MemDesk());
    const { instructions: _none, ...webhook } = base.webhook!;
    expect(() => defineConnector({ ...base, webhook: { ...webhook, canRegister: () => false, register: async (_ctx, t) => ({ secret: t.secret, resources: null }) } })).toThrow(
      /canRegister\(\) needs instructions\(\) too/,
    );
  });
});
