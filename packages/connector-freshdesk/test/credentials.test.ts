import { readFileSync } from 'node:fs';
import { CredentialsError, describeCredentials, type HttpError } from '@ticketbridge/core';
import { createTestContext, HOSTILE_SUBDOMAINS } from '@ticketbridge/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { readRateLimitHeaders } from '@ticketbridge/core/toolkit';
import { freshdesk, freshdeskAuthorization, freshdeskErrorMessage } from '../src/index.js';
import { closeSimulators, setup } from './helpers.js';

afterEach(closeSimulators);

const connector = freshdesk();
const errorBodies = JSON.parse(readFileSync(new URL('./fixtures/error-bodies.json', import.meta.url), 'utf8')) as Record<string, unknown>;

async function failure(promise: Promise<unknown>): Promise<CredentialsError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(CredentialsError);
  return error as CredentialsError;
}

describe('credentials form', () => {
  it('describes the subdomain and the API key with where to find them', () => {
    const fields = describeCredentials(connector.credentials);
    expect(fields.map((f) => [f.name, f.kind, f.secret])).toEqual([
      ['subdomain', 'subdomain', false],
      ['apiKey', 'secret', true],
    ]);
    expect(fields.find((f) => f.name === 'subdomain')!.suffix).toBe('.freshdesk.com');
    expect(fields.find((f) => f.name === 'apiKey')!.help).toMatch(/Profile settings.*API key.*Global Access/);
  });

  it('accepts " Acme " as acme and refuses hostile subdomains before any request', () => {
    expect(connector.credentials.parse({ subdomain: ' Acme ', apiKey: 'k' }).subdomain).toBe('acme');
    for (const hostile of HOSTILE_SUBDOMAINS) expect(connector.credentials.safeParse({ subdomain: hostile, apiKey: 'k' }).success, hostile).toBe(false);
  });

  it('builds the base URL from the subdomain and authenticates as Basic {key}:X', () => {
    const config = connector.http({ subdomain: 'acme', apiKey: 'abcdEFGH1234' });
    expect(config.baseUrl).toBe('https://acme.freshdesk.com/api/v2');
    expect(config.headers.authorization).toBe(`Basic ${Buffer.from('abcdEFGH1234:X').toString('base64')}`);
    expect(freshdeskAuthorization('abcdEFGH1234')).toBe(config.headers.authorization);
    expect(config.authField).toBe('apiKey');
  });
});

describe('Test & Connect on GET /api/v2/agents/me', () => {
  it('accepts the key and reports the account and the agent', async () => {
    const { sim, ctx } = await setup();
    const info = await connector.testConnection(ctx);
    expect(info.accountName).toBe('acme.freshdesk.com');
    expect(info.metadata).toMatchObject({ subdomain: 'acme', agentId: 48000000001, agentEmail: 'ada@acme.example.com' });
    expect(sim.requests().map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v2/agents/me']);
  });

  it('a wrong key (401) names apiKey, keeps Freshdesk\'s message and never echoes the key', async () => {
    const { sim } = await setup();
    const bad = { ...sim.credentials(), apiKey: 'wrongKEY0987654321ab' };
    const error = await failure(connector.testConnection(createTestContext({ connector, credentials: bad, baseUrl: sim.url })));
    expect(error.field).toBe('apiKey');
    expect(error.status).toBe(401);
    expect(error.platformMessage).toBe('You have to be logged in to perform this action.');
    const text = `${error.message} ${JSON.stringify(error)} ${String((error as Error & { cause?: unknown }).cause)}`;
    expect(text).not.toContain(bad.apiKey);
    expect(text).not.toContain(Buffer.from(`${bad.apiKey}:X`).toString('base64'));
  });

  it('the key of an agent who cannot see every ticket names apiKey and says why', async () => {
    const { sim } = await setup();
    const group = sim.badCredentials().find((b) => b.description.includes('Group access'))!.credentials;
    const error = await failure(connector.testConnection(createTestContext({ connector, credentials: group, baseUrl: sim.url })));
    expect(error.field).toBe('apiKey');
    expect(error.message).toMatch(/Group Access.*only part of acme\.freshdesk\.com would sync.*Global Access/);
    expect(error.message).not.toContain(group.apiKey);
  });

  it('a subdomain with no account behind it (404) names subdomain', async () => {
    const { sim } = await setup();
    // The simulator serves one account at its root; any other prefix is an account that does not exist.
    const error = await failure(connector.testConnection(createTestContext({ connector, credentials: sim.credentials(), baseUrl: `${sim.url}/no-such-account` })));
    expect(error.field).toBe('subdomain');
    expect(error.status).toBe(404);
    expect(error.message).toContain('acme.freshdesk.com');
  });

  it('other failures stay what they are (a 500 is not a credentials problem)', async () => {
    const { sim, ctx } = await setup();
    sim.faults.inject('status500', { count: 10 });
    const error = await connector.testConnection(ctx).then(() => undefined, (e: unknown) => e);
    expect(error).not.toBeInstanceOf(CredentialsError);
    expect((error as HttpError).status).toBe(500);
  });
});

describe('error bodies', () => {
  it('reads every envelope Freshdesk answers with', () => {
    expect(freshdeskErrorMessage(errorBodies['invalidCredentials'])).toBe('You have to be logged in to perform this action.');
    expect(freshdeskErrorMessage(errorBodies['accessDenied'])).toBe('You are not authorized to perform this action.');
    expect(freshdeskErrorMessage(errorBodies['validation'])).toBe('Validation failed: email: It should be a valid email address');
    expect(freshdeskErrorMessage(errorBodies['pageCap'])).toBe('Validation failed: page: You cannot access tickets beyond the 300th page');
    expect(freshdeskErrorMessage('<html><body>Not found</body></html>')).toBeUndefined();
    expect(freshdeskErrorMessage('Service Unavailable')).toBe('Service Unavailable');
    expect(freshdeskErrorMessage(null)).toBeUndefined();
  });
});

describe('rate-limit headers, declared as data', () => {
  it('reads Freshdesk\'s documented headers, decimals included, and waits one window when nothing is left', () => {
    const config = connector.http({ subdomain: 'acme', apiKey: 'k' });
    // The API reference's sample: X-Ratelimit-Total: 700, X-Ratelimit-Remaining: 426, X-Ratelimit-Used-CurrentRequest: 1.
    const sample = new Headers({ 'X-Ratelimit-Total': '700', 'X-Ratelimit-Remaining': '426', 'X-Ratelimit-Used-CurrentRequest': '1' });
    expect(readRateLimitHeaders(config.rateLimit!, sample)).toEqual({ remaining: 426, resetAfterMs: 60_000 });
    expect(readRateLimitHeaders(config.rateLimit!, new Headers({ 'x-ratelimit-total': '700.0', 'x-ratelimit-remaining': '0.0' }))).toEqual({ remaining: 0, resetAfterMs: 60_000 });
    const tests = freshdesk({ rateLimitWindowMs: 1_000 }).http({ subdomain: 'acme', apiKey: 'k' });
    expect(readRateLimitHeaders(tests.rateLimit!, new Headers({ 'x-ratelimit-remaining': '0' }))).toEqual({ remaining: 0, resetAfterMs: 1_000 });
    expect(() => freshdesk({ rateLimitWindowMs: 0 })).toThrow(/rateLimitWindowMs/);
    expect(() => freshdesk({ startAt: 'last tuesday' })).toThrow(/startAt/);
  });
});
