import { afterEach, describe, expect, it } from 'vitest';
import { CredentialsError, describeCredentials } from '@ticketbridge/core';
import { hubspot } from '../src/index.js';
import { startHubSpotSimulator, type HubSpotSimulator } from '../src/testing.js';
import { createTestContext } from '@ticketbridge/core/testing';

const sims: HubSpotSimulator[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) await s.close();
});

async function connectWith(sim: HubSpotSimulator, accessToken: string) {
  const connector = hubspot();
  const ctx = createTestContext({ connector, credentials: { accessToken }, baseUrl: sim.url });
  return connector.testConnection(ctx).then(
    (info) => ({ info, error: undefined }),
    (error: unknown) => ({ info: undefined, error }),
  );
}

describe('hubspot credentials', () => {
  it('describes a token field and an optional client secret, both secret, with where to find them', () => {
    const fields = describeCredentials(hubspot().credentials);
    expect(fields.map((f) => [f.name, f.secret, f.required])).toEqual([
      ['accessToken', true, true],
      ['clientSecret', true, false],
    ]);
    expect(fields[0]!.help).toMatch(/Private Apps.*tickets/s);
    expect(fields[1]!.help).toMatch(/Client secret/);
  });

  it('Test & Connect stores the portal, the UI domain and the stages', async () => {
    const sim = await startHubSpotSimulator({ uiDomain: 'app-eu1.hubspot.com', portalId: 139_000_001 });
    sims.push(sim);
    const { info } = await connectWith(sim, sim.credentials().accessToken);
    expect(info?.accountName).toBe('HubSpot portal 139000001');
    expect(info?.metadata).toMatchObject({ portalId: 139_000_001, uiDomain: 'app-eu1.hubspot.com' });
    expect((info?.metadata?.['stages'] as unknown[]).length).toBe(7);
  });

  it('a bad token names accessToken and keeps HubSpot\'s message, never the token', async () => {
    const sim = await startHubSpotSimulator();
    sims.push(sim);
    const token = 'pat-na1-11111111-2222-3333-4444-555555555555';
    const { error } = await connectWith(sim, token);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as CredentialsError).field).toBe('accessToken');
    expect((error as CredentialsError).status).toBe(401);
    expect((error as CredentialsError).platformMessage).toMatch(/INVALID_AUTHENTICATION: Authentication credentials not found/);
    expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain(token);
  });

  it('a token without the tickets scope fails with an error that says so', async () => {
    const sim = await startHubSpotSimulator();
    sims.push(sim);
    const token = sim.tokenWithoutTicketsScope();
    const { error } = await connectWith(sim, token);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as CredentialsError).field).toBe('accessToken');
    expect((error as Error).message).toMatch(/missing the "tickets" scope/);
    expect((error as CredentialsError).platformMessage).toMatch(/^MISSING_SCOPES: This app hasn't been granted all required scopes/);
    expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain(token);
  });

  it('sends the token as a Bearer header to api.hubapi.com and takes no host from the user', () => {
    const config = hubspot().http({ accessToken: 'pat-na1-abc' });
    expect(config.baseUrl).toBe('https://api.hubapi.com');
    expect(config.headers).toEqual({ authorization: 'Bearer pat-na1-abc' });
    expect(config.authField).toBe('accessToken');
    expect(() => hubspot().credentials.parse({ accessToken: '' })).toThrow(/required/);
  });
});
