import { readFileSync } from 'node:fs';
import { CredentialsError, describeCredentialMethods, describeCredentials } from '@ticketbridge/core';
import { createTestContext, HOSTILE_SUBDOMAINS } from '@ticketbridge/core/testing';
import { describe, expect, it } from 'vitest';
import { zendeskErrorMessage } from '../src/api.js';
import { zendesk, zendeskAuthorization, zendeskScopes } from '../src/index.js';
import { withSimulator } from './helpers.js';

const connector = zendesk();
const errorBodies = JSON.parse(readFileSync(new URL('./fixtures/error-bodies.json', import.meta.url), 'utf8')) as Record<string, unknown>;

async function failure(promise: Promise<unknown>): Promise<CredentialsError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(CredentialsError);
  return error as CredentialsError;
}

describe('credentials form', () => {
  it('offers OAuth first and the API token as legacy with its end date, each field with where to find it', () => {
    const methods = describeCredentialMethods(connector.credentials);
    expect(methods.map((m) => [m.id, m.oauth?.grant ?? null, m.deprecated?.endsOn ?? null])).toEqual([
      ['oauth_client_credentials', 'client_credentials', null],
      ['oauth_authorization_code', 'authorization_code', null],
      ['api_token', null, '2027-04-30'],
    ]);
    expect(methods[0]!.fields.map((f) => [f.name, f.kind, f.secret, f.required])).toEqual([
      ['subdomain', 'subdomain', false, true],
      ['clientId', 'text', false, true],
      ['clientSecret', 'secret', true, true],
      ['scopes', 'text', false, false],
    ]);
    expect(methods[0]!.fields.find((f) => f.name === 'clientId')!.help).toMatch(/Admin Center.*OAuth clients.*Confidential/);
    expect(methods[1]!.fields.map((f) => f.name)).toEqual(['subdomain']);
    expect(methods[2]!.help).toMatch(/30 Apr 2027/);
    const fields = describeCredentials(connector.credentials);
    expect(fields.map((f) => [f.name, f.kind, f.secret])).toEqual([
      ['method', 'select', false],
      ['subdomain', 'subdomain', false],
      ['clientId', 'text', false],
      ['clientSecret', 'secret', true],
      ['scopes', 'text', false],
      ['email', 'email', false],
      ['apiToken', 'secret', true],
    ]);
    expect(fields.find((f) => f.name === 'subdomain')!.suffix).toBe('.zendesk.com');
    expect(fields.find((f) => f.name === 'apiToken')!.help).toMatch(/Apps and integrations.*Zendesk API/);
    expect(fields.find((f) => f.name === 'email')!.help).toMatch(/admin/i);
  });

  it('accepts "AcmeCorp " as acmecorp and refuses hostile subdomains', () => {
    expect(connector.credentials.parse({ subdomain: ' AcmeCorp ', email: 'a@b.co', apiToken: 't' }).subdomain).toBe('acmecorp');
    for (const hostile of HOSTILE_SUBDOMAINS) {
      const result = connector.credentials.safeParse({ subdomain: hostile, email: 'a@b.co', apiToken: 't' });
      expect(result.success, hostile).toBe(false);
    }
  });

  it('builds the base URL from the subdomain and authenticates as {email}/token:{token}', () => {
    const config = connector.http({ method: 'api_token', subdomain: 'acmecorp', email: 'admin@acme.com', apiToken: 'abc123' });
    expect(config.baseUrl).toBe('https://acmecorp.zendesk.com/api/v2');
    expect(config.headers.authorization).toBe(`Basic ${Buffer.from('admin@acme.com/token:abc123').toString('base64')}`);
    expect(zendeskAuthorization({ email: 'admin@acme.com', apiToken: 'abc123' })).toBe(config.headers.authorization);
    expect(config.authField).toBe('apiToken');
    // OAuth methods carry no auth header of their own: the core sends the Bearer token it manages.
    const oauth = connector.http({ method: 'oauth_client_credentials', subdomain: 'acmecorp', clientId: 'ticketbridge', clientSecret: 'secret-value' });
    expect(oauth.headers).toEqual({});
    expect(oauth.baseUrl).toBe('https://acmecorp.zendesk.com/api/v2');
  });

  it('asks for the least scopes: read only for polling, the webhook scopes only when it registers one', () => {
    expect(zendeskScopes(false)).toEqual(['tickets:read', 'users:read', 'organizations:read']);
    expect(zendeskScopes(true)).toEqual(['tickets:read', 'users:read', 'organizations:read', 'webhooks:read', 'webhooks:write']);
    expect(zendeskScopes(true, { webhookMode: 'trigger' })).toContain('triggers:write');
  });
});

describe('Test & Connect', () => {
  it('accepts an admin and reports the account', async () => {
    await withSimulator({ seed: 1 }, async (sim) => {
      const info = await connector.testConnection(createTestContext({ connector: zendesk(), credentials: sim.credentials(), baseUrl: sim.url }));
      expect(info).toEqual({ accountName: 'acmecorp.zendesk.com', metadata: { subdomain: 'acmecorp', userId: sim.user('admin').id, role: 'admin' } });
      const [call] = sim.requests();
      expect(call).toMatchObject({ method: 'GET', path: '/api/v2/users/me.json' });
    });
  });

  it('a wrong token names apiToken, keeps Zendesk\'s message and never echoes the token', async () => {
    await withSimulator({ seed: 1 }, async (sim) => {
      const bad = { ...sim.credentials(), apiToken: 'wrong-token-1234567890' };
      const error = await failure(connector.testConnection(createTestContext({ connector, credentials: bad, baseUrl: sim.url })));
      expect(error.field).toBe('apiToken');
      expect(error.status).toBe(401);
      expect(error.platformMessage).toBe("Couldn't authenticate you");
      const text = `${error.message} ${JSON.stringify(error)} ${String((error as Error & { cause?: unknown }).cause)}`;
      expect(text).not.toContain('wrong-token-1234567890');
      expect(text).not.toContain(Buffer.from(`${bad.email}/token:${bad.apiToken}`).toString('base64'));
    });
  });

  it('an agent (not an admin) names email and says the export is admin-only', async () => {
    await withSimulator({ seed: 1 }, async (sim) => {
      const agent = { ...sim.credentials(), email: sim.user('agent').email };
      const error = await failure(connector.testConnection(createTestContext({ connector, credentials: agent, baseUrl: sim.url })));
      expect(error.field).toBe('email');
      expect(error.message).toMatch(/agent, not an admin.*admin-only/);
      // And indeed: the export refuses a non-admin with 403.
      await expect(zendesk().pull(createTestContext({ connector, credentials: agent, baseUrl: sim.url }), { cursor: null })[Symbol.asyncIterator]().next()).rejects.toMatchObject({ status: 403 });
    });
  });

  it('an anonymous answer (user id null) names email', async () => {
    await withSimulator({ seed: 1, unknownEmail: 'anonymous' }, async (sim) => {
      const stranger = { ...sim.credentials(), email: 'nobody@elsewhere.test' };
      const error = await failure(connector.testConnection(createTestContext({ connector, credentials: stranger, baseUrl: sim.url })));
      expect(error.field).toBe('email');
      expect(error.message).toMatch(/anonymous/);
    });
  });
});

describe('error bodies', () => {
  it('reads every envelope Zendesk answers with', () => {
    expect(zendeskErrorMessage(errorBodies.unauthorized)).toBe("Couldn't authenticate you");
    expect(zendeskErrorMessage(errorBodies.recordNotFound)).toBe('RecordNotFound: Not found');
    expect(zendeskErrorMessage(errorBodies.forbiddenObject)).toMatch(/^Forbidden: You do not have access/);
    expect(zendeskErrorMessage(errorBodies.webhooksApi)).toBe('Webhook not found: Webhook 01ABC not found');
    expect(zendeskErrorMessage('<html>502</html>')).toBe('<html>502</html>');
    expect(zendeskErrorMessage(null)).toBeUndefined();
  });
});
