import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { WebhookRequest } from '../../src/connector/webhook.js';
import { ConfigError } from '../../src/errors/index.js';
import { hmacSignature, type SignedPart } from '../../src/toolkit/hmac-signature.js';
import { readWebhookJson } from '../../src/toolkit/read-webhook-json.js';
import { memSignature } from '../mem-connector.js';

function request(headers: Record<string, string>, body: string, overrides: Partial<WebhookRequest> = {}): WebhookRequest {
  return { method: 'POST', url: 'https://www.example.com/webhook_uri', headers, rawBody: Buffer.from(body), receivedAt: new Date(), ...overrides };
}

// https://www.standardwebhooks.com (spec's published test vector)
const standardWebhooks = hmacSignature({
  algorithm: 'sha256',
  encoding: 'base64',
  signature: { header: 'webhook-signature', prefix: 'v1,', separator: ' ' },
  timestamp: { header: 'webhook-timestamp', format: 'epoch-seconds' },
  signed: [{ header: 'webhook-id' }, { text: '.' }, 'timestamp', { text: '.' }, 'body'],
  secret: { encoding: 'base64', prefix: 'whsec_' },
});

describe('hmacSignature: published vectors', () => {
  const sw = {
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    headers: { 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330' },
    body: '{"test": 2432232314}',
    expected: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  };

  it('Standard Webhooks: signs the published vector and verifies it, reporting the signed time', () => {
    expect(standardWebhooks.sign({ secret: sw.secret, body: sw.body, timestamp: '1614265330', headers: sw.headers })).toBe(sw.expected);
    const verified = standardWebhooks.verify(request({ ...sw.headers, 'webhook-signature': sw.expected }, sw.body), sw.secret);
    expect(verified).toEqual({ ok: true, signedAt: new Date(1614265330 * 1000) });
  });

  it('Standard Webhooks: any one of several space-separated signatures is enough; other versions are skipped', () => {
    const several = `v1,bm9wZQ== v1a,${sw.expected.slice(3)} ${sw.expected}`;
    expect(standardWebhooks.verify(request({ ...sw.headers, 'webhook-signature': several }, sw.body), sw.secret)).toMatchObject({ ok: true });
    expect(standardWebhooks.verify(request({ ...sw.headers, 'webhook-signature': `v1a,${sw.expected.slice(3)}` }, sw.body), sw.secret)).toEqual({
      ok: false,
      reason: 'webhook-signature carries no "v1," signature',
    });
    // The id is signed: another message id with the same signature fails.
    expect(standardWebhooks.verify(request({ ...sw.headers, 'webhook-id': 'msg_other', 'webhook-signature': sw.expected }, sw.body), sw.secret).ok).toBe(false);
    // The timestamp is signed: moving it breaks the signature, so the router's replay window judges a real time.
    expect(standardWebhooks.verify(request({ ...sw.headers, 'webhook-timestamp': '1614265331', 'webhook-signature': sw.expected }, sw.body), sw.secret).ok).toBe(false);
    // A secret that is not base64 after whsec_ fails rather than decoding to something shorter.
    expect(standardWebhooks.verify(request({ ...sw.headers, 'webhook-signature': sw.expected }, sw.body), 'whsec_not*base64!')).toMatchObject({ ok: false });
  });

  it('HubSpot v1 and v2: the documented source strings hash to the documented values (plain SHA-256 of secret + content)', () => {
    // developers.hubspot.com/docs/faq/v1-request-validation and v2-request-validation
    const secret = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
    const hashOf = (...signed: SignedPart[]) => hmacSignature({ algorithm: 'sha256', encoding: 'hex', construction: 'secret-prefix', signature: { header: 'x-hubspot-signature' }, signed });
    const v1 = hashOf('body');
    const v2 = hashOf('method', 'url', 'body');
    const body =
      '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]';
    expect(v1.sign({ secret, body })).toBe('232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de');
    expect(v1.verify(request({ 'x-hubspot-signature': '232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de' }, body), secret)).toEqual({ ok: true });
    expect(v2.verify(request({ 'x-hubspot-signature': 'eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e' }, '', { method: 'get' }), secret)).toEqual({ ok: true });
    const post = '9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900';
    expect(v2.verify(request({ 'x-hubspot-signature': post.toUpperCase() }, '{"example_field":"example_value"}'), secret)).toEqual({ ok: true });
  });

  it('Zendesk: the example on its event-connectors page was signed over body + timestamp, though the page (and every delivery) says timestamp + body', () => {
    // developer.zendesk.com/documentation/event-connectors/webhooks/verifying/: secret, body, timestamp and signature
    // as printed. The recipe the connector declares (timestamp + body, as /documentation/webhooks/verifying/ states
    // and Zendesk signs its deliveries) does not reproduce this example; the reversed order does, which checks the
    // HMAC-SHA256/base64 machinery against a published value and records the documentation's inconsistency.
    const printed = { secret: 'HRkRd4BeOAoUkfZr-mhauJT64rvBASlJRoIyPsd3zeA=', body: '{"say": "hello"}', timestamp: '2021-07-25T10:00:00Z', signature: 'tRDSF7URY8BLCDlaBcQ7FHu051Zk+aAB0NKMP53teMw=' };
    const headers = { 'x-zendesk-webhook-signature': printed.signature, 'x-zendesk-webhook-signature-timestamp': printed.timestamp };
    const scheme = (signed: Array<'body' | 'timestamp'>) =>
      hmacSignature({ algorithm: 'sha256', encoding: 'base64', signature: { header: 'x-zendesk-webhook-signature' }, timestamp: { header: 'x-zendesk-webhook-signature-timestamp', format: 'iso-8601' }, signed });
    expect(scheme(['body', 'timestamp']).verify(request(headers, printed.body), printed.secret)).toEqual({ ok: true, signedAt: new Date(printed.timestamp) });
    expect(scheme(['timestamp', 'body']).verify(request(headers, printed.body), printed.secret)).toEqual({ ok: false, reason: 'signature does not match' });
  });
});

describe('hmacSignature: recipes and refusals', () => {
  const jira = hmacSignature({ algorithm: 'sha256', encoding: 'hex', signature: { header: 'x-hub-signature', prefix: 'sha256=' }, signed: ['body'] });
  const intercom = hmacSignature({ algorithm: 'sha1', encoding: 'hex', signature: { header: 'x-hub-signature', prefix: 'sha1=' }, signed: ['body'] });
  const body = '{"webhookEvent":"jira:issue_updated"}';

  it('prefixed hex signatures (Jira sha256=, Intercom sha1=): a body-only scheme verifies without a signed time', () => {
    const sig = jira.sign({ secret: 's3cret', body });
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(jira.verify(request({ 'x-hub-signature': sig }, body), 's3cret')).toEqual({ ok: true });
    expect(jira.verify(request({ 'x-hub-signature': sig.slice('sha256='.length) }, body), 's3cret')).toMatchObject({ ok: false });
    const sha1 = intercom.sign({ secret: 'client-secret', body });
    expect(sha1).toMatch(/^sha1=[0-9a-f]{40}$/);
    expect(intercom.verify(request({ 'x-hub-signature': sha1 }, body), 'client-secret')).toEqual({ ok: true });
    expect(intercom.verify(request({ 'x-hub-signature': sha1 }, `${body} `), 'client-secret')).toEqual({ ok: false, reason: 'signature does not match' });
  });

  it('a timestamp inside a `t=…,v1=…` header (MemDesk\'s Stripe layout), signed with the body', () => {
    const digest = memSignature.sign({ secret: 'k', body, timestamp: '1700000000' });
    expect(memSignature.verify(request({ 'x-mem-signature': `t=1700000000,${digest}` }, body), 'k')).toEqual({ ok: true, signedAt: new Date(1_700_000_000_000) });
    expect(memSignature.verify(request({ 'x-mem-signature': digest }, body), 'k')).toEqual({ ok: false, reason: 'missing t= in the x-mem-signature header (the signed timestamp)' });
  });

  it('method in upper case, the URL as received, and its percent-decoded form as an alternative recipe', () => {
    const scheme = hmacSignature({ algorithm: 'sha1', encoding: 'base64', signature: { header: 'x-sig' }, signed: ['method', 'url', 'body'], alternatives: [['method', 'decoded-url', 'body']] });
    const url = 'https://app.example.com/hooks?connectorId=conn_01J%3Aabc';
    const asReceived = scheme.sign({ secret: 's', body, method: 'post', url });
    const decoded = scheme.sign({ secret: 's', body, method: 'POST', url: decodeURIComponent(url) });
    expect(scheme.verify(request({ 'x-sig': asReceived }, body, { url }), 's')).toEqual({ ok: true });
    expect(scheme.verify(request({ 'x-sig': decoded }, body, { url }), 's')).toEqual({ ok: true });
    expect(scheme.verify(request({ 'x-sig': asReceived }, body, { url, method: 'PUT' }), 's').ok).toBe(false);
    // A URL whose escapes do not decode cannot have been signed decoded: only the first recipe is tried.
    expect(scheme.verify(request({ 'x-sig': scheme.sign({ secret: 's', body, method: 'POST', url: 'https://a.test/%E0%A4%A' }) }, body, { url: 'https://a.test/%E0%A4%A' }), 's')).toEqual({ ok: true });
  });

  it('reads epoch-ms timestamps of at most 15 digits and refuses other text', () => {
    const scheme = hmacSignature({ algorithm: 'sha256', encoding: 'hex', signature: { header: 'x-sig' }, timestamp: { header: 'x-ts', format: 'epoch-ms' }, signed: ['body', 'timestamp'] });
    const ts = '1700000000123';
    const sig = scheme.sign({ secret: 's', body, timestamp: ts });
    expect(scheme.verify(request({ 'x-sig': sig, 'x-ts': ts }, body), 's')).toEqual({ ok: true, signedAt: new Date(1_700_000_000_123) });
    for (const bad of ['17e11', '-1', '1'.repeat(16), '2026-01-01T00:00:00Z']) {
      expect(scheme.verify(request({ 'x-sig': sig, 'x-ts': bad }, body), 's')).toEqual({ ok: false, reason: 'x-ts is not a epoch-ms timestamp' });
    }
  });

  it('names what is missing, never the secret, and bounds what it reads', () => {
    const secret = 'super-secret-value-123';
    const reasons = [
      jira.verify(request({}, body), secret),
      jira.verify(request({ 'x-hub-signature': 'sha256=00' }, body), secret),
      jira.verify(request({ 'x-hub-signature': `sha256=${'a'.repeat(5000)}` }, body), secret),
    ].map((r) => (r.ok ? '' : r.reason));
    expect(reasons).toEqual(['missing x-hub-signature header', 'signature does not match', 'x-hub-signature header is too long']);
    for (const reason of reasons) expect(reason).not.toContain(secret);
  });

  it('refuses at declaration a timestamp that is read but not signed, or signed but not read', () => {
    expect(() =>
      hmacSignature({ algorithm: 'sha256', encoding: 'hex', signature: { header: 'x-sig' }, timestamp: { header: 'x-ts', format: 'epoch-seconds' }, signed: ['body'] }),
    ).toThrow(ConfigError);
    expect(() => hmacSignature({ algorithm: 'sha256', encoding: 'hex', signature: { header: 'x-sig' }, signed: ['timestamp', 'body'] })).toThrow(ConfigError);
  });
});

describe('readWebhookJson', () => {
  const Event = z.object({ event: z.string(), ticket_id: z.union([z.string(), z.number()]) });
  it('returns the validated payload, or a webhook error naming the paths at fault and never the values', () => {
    expect(readWebhookJson(request({}, '{"event":"ticket.updated","ticket_id":7,"extra":1}'), Event, { platform: 'acme', expected: 'a ticket event' })).toEqual({ event: 'ticket.updated', ticket_id: 7 });
    const notJson = (() => readWebhookJson(request({}, 'not json'), Event, { platform: 'acme', expected: 'a ticket event' })) as () => unknown;
    expect(notJson).toThrow(/^\[ticketbridge\] \[acme\] webhook body is not JSON$/);
    let error: unknown;
    try {
      readWebhookJson(request({}, '{"event":"ticket.updated","ticket_id":{"email":"ana@example.com"}}'), Event, { platform: 'acme', expected: 'a ticket event' });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'webhook', platform: 'acme', message: expect.stringContaining('is not a ticket event (at ticket_id)') });
    expect((error as Error).message).not.toContain('ana@example.com');
  });
});
