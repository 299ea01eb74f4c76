import { afterEach, describe, expect, it } from 'vitest';
import { HttpError, type Logger } from '@ticketbridge/core';
import { acme, createTestContext, startAcmeSimulator, type AcmeSimulator } from '@ticketbridge/core/testing';

describe('createTestContext', () => {
  const sims: AcmeSimulator[] = [];
  afterEach(async () => {
    for (const s of sims.splice(0)) await s.close();
  });
  const start = async () => {
    const sim = await startAcmeSimulator({ seed: 2, tickets: 5 });
    sims.push(sim);
    return sim;
  };

  it('gives the connector a working context against the simulator, with the connector defaults a hub uses', async () => {
    const sim = await start();
    const connector = acme();
    const ctx = createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url, metadata: { plan: 'business' } });
    expect(ctx).toMatchObject({ connectionId: 'conn_test', credentials: sim.credentials(), metadata: { plan: 'business' }, overlapMs: connector.defaultOverlapMs });
    expect(ctx.signal.aborted).toBe(false);
    await expect(connector.testConnection(ctx)).resolves.toMatchObject({ accountName: 'Acme Corp (acme.acme-desk.test)' });
    expect(sim.stats().byPath['/api/me']).toBe(1);
  });

  it('validates the credentials with the connector schema before any request', async () => {
    const sim = await start();
    expect(() => createTestContext({ connector: acme(), credentials: { ...sim.credentials(), subdomain: 'evil.com#' }, baseUrl: sim.url })).toThrow();
    expect(sim.stats().requests).toBe(0);
  });

  it('redacts the token in what it logs, and applies HTTP overrides over the test defaults', async () => {
    const sim = await start();
    const lines: string[] = [];
    const record = (message: string, fields?: Record<string, unknown>) => void lines.push(`${message} ${JSON.stringify(fields)}`);
    const logger: Logger = { debug: record, info: record, warn: record, error: record };
    const { apiToken } = sim.credentials();
    const ctx = createTestContext({ connector: acme(), credentials: sim.credentials(), baseUrl: sim.url, logger, http: { retries: 0 } });
    ctx.logger.warn(`token ${apiToken}`, { apiToken });
    expect(lines.join('\n')).not.toContain(apiToken);
    expect(lines.join('\n')).toContain('conn_test');

    sim.faults.inject('status500', { count: 1 });
    await expect(ctx.http.get('me')).rejects.toBeInstanceOf(HttpError);
    expect(sim.stats().requests).toBe(1);
  });

  it('aborts requests with the signal it was given', async () => {
    const sim = await start();
    const controller = new AbortController();
    const ctx = createTestContext({ connector: acme(), credentials: sim.credentials(), baseUrl: sim.url, signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(ctx.http.get('me')).rejects.toThrow();
    expect(sim.stats().requests).toBe(0);
  });
});
