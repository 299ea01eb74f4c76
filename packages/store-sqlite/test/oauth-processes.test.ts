import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAcmeSimulator, type AcmeSimulator } from '@ticketbridge/core/testing';
import { SqliteStore } from '../src/index.js';
import { bundleChild, children } from './child-process.js';
import { tempDir } from './temp-dir.js';

const file = tempDir();
const spawn = children();
let worker: string;
beforeAll(() => {
  worker = bundleChild('oauth-worker.ts');
});
const sims: AcmeSimulator[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) await s.close();
});

describe('OAuth across processes sharing one SQLite file', () => {
  it('two processes needing a new token at once refresh once between them and keep one valid pair', async () => {
    const sim = await startAcmeSimulator({ seed: 4, tickets: 0, rateLimit: null });
    sims.push(sim);
    await sim.seed(80);
    const path = file('oauth');
    const key = randomBytes(32).toString('base64');
    const args = [path, key, sim.url, JSON.stringify(sim.oauthClients.global)];
    const a = spawn(worker, args);
    const b = spawn(worker, args);
    await Promise.all([a.waitFor((m) => m.event === 'ready'), b.waitFor((m) => m.event === 'ready')]);

    const request = await a.call<{ url: string; codeVerifier: string }>('authorize');
    const consent = await fetch(request.url, { redirect: 'manual' });
    const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
    const conn = await a.call<{ id: string; secret: string }>('connect', code, request.codeVerifier);

    // Every access token dies, and the token endpoint takes 300 ms to answer: both processes ask at the same time.
    sim.oauth.expireAccessTokens();
    sim.oauth.tokenDelayMs = 300;
    const urlB = await b.call<string>('webhookUrl', conn.id);
    const [run, ...deliveries] = await Promise.all([
      a.call<{ status: string; errors: unknown[] }>('sync', conn.id),
      ...['1', '2', '3'].map((id) => sim.webhooks.deliver(urlB, [id], { secret: conn.secret })),
    ]);

    expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');
    expect(deliveries.map((d) => (d as { status: number }).status)).toEqual([200, 200, 200]);
    expect(sim.oauth.stats().byGrant['refresh_token']).toBe(1);
    expect(sim.oauth.stats().invalidGrant).toBe(0);
    expect(sim.oauth.liveRefreshTokens()).toBe(1);
    await a.stop();
    await b.stop();
    const store = new SqliteStore({ path, key: Buffer.from(key, 'base64') });
    expect((await store.getTokens(conn.id))!.generation).toBe(2);
    await store.close();
  }, 60_000);
});
