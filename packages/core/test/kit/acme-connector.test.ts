import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { CredentialsError, TicketbridgeError, describeCredentials, type ConnectorContext, type PullPage, type WebhookRequest } from '@ticketbridge/core';
import { acme, createTestContext, mapAcmePriority, mapAcmeStatus, normalizeAcmeTicket, startAcmeSimulator, type AcmeCursor, type AcmeSimulator } from '@ticketbridge/core/testing';

type Creds = { subdomain: string; apiToken: string };
const connector = acme();
const secret = 'host-secret-abcdef0123456789';

async function pullAll(ctx: ConnectorContext<Creds>, cursor: AcmeCursor | null): Promise<PullPage[]> {
  const pages: PullPage[] = [];
  for await (const page of connector.pull(ctx, { cursor })) pages.push(page);
  return pages;
}

function webhookRequest(body: string, headers: Record<string, string>, receivedAt = new Date()): WebhookRequest {
  return { method: 'POST', url: 'https://app.example.com/api/webhooks/tickets?connectorId=c1', headers, rawBody: Buffer.from(body), receivedAt };
}

function signed(body: string, at: Date, key = secret): Record<string, string> {
  const ts = String(Math.floor(at.getTime() / 1000));
  return { 'x-acme-timestamp': ts, 'x-acme-signature': `sha256=${createHmac('sha256', key).update(`${ts}.${body}`).digest('hex')}` };
}

describe('acme connector', () => {
  const sims: AcmeSimulator[] = [];
  afterEach(async () => {
    for (const s of sims.splice(0)) await s.close();
  });
  const start = async (tickets: number) => {
    const sim = await startAcmeSimulator({ seed: 3, tickets });
    sims.push(sim);
    return sim;
  };

  it('declares a Connect form: subdomain then secret token, with help text', () => {
    expect(describeCredentials(connector.credentials)).toEqual([
      expect.objectContaining({ name: 'subdomain', kind: 'subdomain', secret: false, suffix: '.acme-desk.test', required: true }),
      expect.objectContaining({ name: 'apiToken', kind: 'secret', secret: true, required: true }),
    ]);
    expect(connector.http({ subdomain: 'globex', apiToken: 't' }).baseUrl).toBe('https://globex.acme-desk.test/api');
  });

  it('testConnection returns the account, and names the field at fault', async () => {
    const sim = await start(0);
    await expect(connector.testConnection(createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url }))).resolves.toEqual({
      accountName: 'Acme Corp (acme.acme-desk.test)',
      metadata: { accountId: 'acc_3', userId: 'usr_1', role: 'admin' },
    });
    const wrongAccount = await connector.testConnection(createTestContext({ connector, credentials: { ...sim.credentials(), subdomain: 'globex' }, baseUrl: sim.url })).catch((e: unknown) => e);
    expect(wrongAccount).toBeInstanceOf(CredentialsError);
    expect((wrongAccount as CredentialsError).field).toBe('subdomain');
    const badToken = 'acme_pat_wrong_value_123456';
    const wrongToken = await connector.testConnection(createTestContext({ connector, credentials: { subdomain: 'acme', apiToken: badToken }, baseUrl: sim.url })).catch((e: unknown) => e);
    expect(wrongToken).toBeInstanceOf(CredentialsError);
    expect((wrongToken as CredentialsError).field).toBe('apiToken');
    expect(`${(wrongToken as Error).message} ${JSON.stringify(wrongToken)}`).not.toContain(badToken);
    expect((wrongToken as CredentialsError).platformMessage).toBe('The access token is invalid or has been revoked');
  });

  it('pulls every ticket at page size 100, then restarts overlapMs before the newest change', async () => {
    const sim = await start(250);
    const pages = await pullAll(createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url }), null);
    expect(pages.map((p) => p.tickets.length)).toEqual([100, 100, 50]);
    expect(new Set(pages.flatMap((p) => p.tickets.map((t) => t.externalId))).size).toBe(250);
    const newest = Math.max(...[...sim.snapshot().values()].map((v) => Date.parse(v)));
    const last = pages.at(-1)!.nextCursor as unknown as AcmeCursor;
    expect(last).toEqual({ updatedSince: new Date(newest - 60_000).toISOString().replace('.000Z', 'Z'), cursor: null, highWater: null });
    // Mid-pass cursors resume inside the pass.
    const mid = pages[0]!.nextCursor as unknown as AcmeCursor;
    expect(mid.cursor).toEqual(expect.any(String));
    const resumed = await pullAll(createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url }), mid);
    expect(resumed.flatMap((p) => p.tickets.map((t) => t.externalId))).toEqual(pages.slice(1).flatMap((p) => p.tickets.map((t) => t.externalId)));
  });

  it('the next pass re-reads the overlap window and picks up updates', async () => {
    const sim = await start(120);
    const first = await pullAll(createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url }), null);
    const cursor = first.at(-1)!.nextCursor as unknown as AcmeCursor;
    await sim.update(['5', '60']);
    const second = (await pullAll(createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url }), cursor)).flatMap((p) => p.tickets);
    const since = Date.parse(cursor.updatedSince!);
    const expected = [...sim.snapshot()].filter(([, at]) => Date.parse(at) >= since).map(([id]) => id);
    expect(second.map((t) => t.externalId).sort()).toEqual(expected.sort());
    expect(second.map((t) => t.externalId)).toEqual(expect.arrayContaining(['5', '60']));
    expect(second.find((t) => t.externalId === '5')!.updatedAt).toBe(sim.snapshot().get('5'));
  });

  it('an empty account yields one empty page and keeps the cursor', async () => {
    const sim = await start(0);
    const pages = await pullAll(createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url }), null);
    expect(pages).toEqual([{ tickets: [], nextCursor: { updatedSince: null, cursor: null, highWater: null } }]);
  });

  it('fetchTicket hydrates one ticket and returns null for a deleted one', async () => {
    const sim = await start(10);
    const ctx = createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url });
    const t = await connector.fetchTicket(ctx, { externalId: '4' });
    expect(t).toMatchObject({ externalId: '4', platform: 'acme', deleted: false, url: 'https://acme.acme-desk.test/tickets/4' });
    await sim.remove(['4']);
    expect(await connector.fetchTicket(ctx, { externalId: '4' })).toBeNull();
  });

  it('normalize maps every status and priority and keeps raw values', async () => {
    const sim = await start(1);
    const raw = sim.ticket('1')!;
    expect(['new', 'open', 'waiting', 'on_hold', 'resolved', 'closed', 'custom_stage'].map(mapAcmeStatus)).toEqual(['new', 'open', 'pending', 'on_hold', 'solved', 'closed', 'open']);
    expect(['low', 'medium', 'high', 'critical', null, 'p0'].map(mapAcmePriority)).toEqual(['low', 'normal', 'high', 'urgent', null, null]);
    const t = normalizeAcmeTicket({ ...raw, status: 'waiting', priority: 'critical', deleted: true });
    expect(t).toMatchObject({ status: 'pending', rawStatus: 'waiting', priority: 'urgent', rawPriority: 'critical', deleted: true, createdAt: new Date(raw.created_at).toISOString() });
    expect(t.raw).toEqual({ ...raw, status: 'waiting', priority: 'critical', deleted: true });
    expect(() => normalizeAcmeTicket({ id: 1 })).toThrow(/unexpected ticket shape/);
  });

  describe('webhook', () => {
    const wh = connector.webhook!;
    const body = '{"event":"ticket.updated","ticket_id":"42","occurred_at":"2026-11-25T07:00:00Z"}';
    const ctx = {} as ConnectorContext<Creds>;

    it('accepts a correct signature and reports the signed time, which the hub checks against the replay window', async () => {
      const now = new Date();
      const second = new Date(Math.floor(now.getTime() / 1000) * 1000);
      expect(await wh.verify(ctx, { request: webhookRequest(body, signed(body, now), now), secret })).toEqual({ ok: true, signedAt: second });
      expect(wh.replayWindowMs).toBe(5 * 60_000);
    });

    it('refuses wrong keys, altered bodies, missing and malformed headers', async () => {
      const now = new Date();
      const cases: Array<[string, WebhookRequest]> = [
        ['wrong key', webhookRequest(body, signed(body, now, 'other-secret'), now)],
        ['altered body', webhookRequest(body.replace('42', '43'), signed(body, now), now)],
        ['no headers', webhookRequest(body, {}, now)],
        ['malformed timestamp', webhookRequest(body, { ...signed(body, now), 'x-acme-timestamp': '12:00' }, now)],
        ['truncated signature', webhookRequest(body, { ...signed(body, now), 'x-acme-signature': 'sha256=abc' }, now)],
      ];
      for (const [name, req] of cases) {
        const result = await wh.verify(ctx, { request: req, secret });
        expect(result.ok, name).toBe(false);
      }
    });

    it('parses thin payloads into refs, deletions and ignorable events', async () => {
      const parse = (b: string) => wh.parse(ctx, { request: webhookRequest(b, {}) });
      expect(await parse(body)).toEqual([{ kind: 'ref', externalId: '42' }]);
      expect(await parse('{"event":"ticket.created","ticket_id":7}')).toEqual([{ kind: 'ref', externalId: '7' }]);
      expect(await parse('{"event":"ticket.deleted","ticket_id":"9","occurred_at":"2026-11-25T07:00:01Z"}')).toEqual([{ kind: 'deleted', externalId: '9', deletedAt: '2026-11-25T07:00:01.000Z' }]);
      expect(await parse('{"event":"ping","ticket_id":"0"}')).toEqual([]);
      for (const bad of ['not json', '{"event":"ticket.updated"}', '[]']) {
        const error = await Promise.resolve()
          .then(() => parse(bad))
          .catch((e: unknown) => e);
        expect(TicketbridgeError.isInstance(error), bad).toBe(true);
        expect((error as TicketbridgeError).code).toBe('webhook');
      }
    });

    it('gives exact manual steps with the URL and secret filled in', () => {
      const steps = wh.instructions!({ credentials: { subdomain: 'globex', apiToken: 'x' } } as ConnectorContext<Creds>, { url: 'https://app.example.com/hook?connectorId=c1', sharedUrl: 'https://app.example.com/hook', secret: 's3cret' });
      expect(steps.title).toMatch(/Acme Desk/);
      expect(steps.steps.join('\n')).toContain('https://globex.acme-desk.test');
      expect(steps.steps).toContain('Endpoint URL: https://app.example.com/hook?connectorId=c1');
      expect(steps.steps).toContain('Signing secret: s3cret');
      expect(wh.secretSource).toBe('host');
    });
  });
});
