import { createHash, createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  sendWebhook,
  signHmacSha1Hex,
  signHmacSha256Hex,
  signHubSpotV1,
  signHubSpotV2,
  signHubSpotV3,
  signZendesk,
  startLoopbackServer,
  type LoopbackServer,
  type SimRequest,
} from '@ticketbridge/core/testing';

const secret = 'whsec_3f9a7c1e5b2d';
const body = '{"ticket":{"id":42,"subject":"Café ☕ down"}}';

describe('webhook signers', () => {
  it('match the RFC 4231 / RFC 2202 HMAC vectors', () => {
    // RFC 4231 test case 2 and RFC 2202 test case 2: key "Jefe".
    expect(signHmacSha256Hex({ secret: 'Jefe', payload: 'what do ya want for nothing?', prefix: '' })).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    expect(signHmacSha1Hex({ secret: 'Jefe', payload: 'what do ya want for nothing?', prefix: '' })).toBe('effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
  });

  it('Zendesk: base64 HMAC-SHA256 over timestamp + body, no separator; empty body signs the timestamp', () => {
    const timestamp = '2026-11-25T07:15:34Z';
    expect(signZendesk({ secret, timestamp, body })).toBe(createHmac('sha256', secret).update(`${timestamp}${body}`).digest('base64'));
    expect(signZendesk({ secret, timestamp, body: Buffer.from(body) })).toBe(signZendesk({ secret, timestamp, body }));
    expect(signZendesk({ secret, timestamp, body: '' })).toBe(createHmac('sha256', secret).update(timestamp).digest('base64'));
  });

  it('sha256= hex and sha1= hex (Intercom X-Hub-Signature)', () => {
    expect(signHmacSha256Hex({ secret, payload: body })).toBe(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
    expect(signHmacSha1Hex({ secret, payload: body })).toBe(`sha1=${createHmac('sha1', secret).update(body).digest('hex')}`);
  });

  it('HubSpot v3: base64 HMAC-SHA256 of method + uri + body + timestamp, uri as delivered', () => {
    const uri = 'https://app.example.com/api/webhooks/tickets?connectorId=conn_1&x=%20y';
    const ts = '1764054934000';
    expect(signHubSpotV3({ secret, method: 'POST', uri, body, timestamp: ts })).toBe(createHmac('sha256', secret).update(`POST${uri}${body}${ts}`).digest('base64'));
  });

  it('HubSpot v1 and v2: hex SHA-256 of secret + body, and of secret + method + uri + body', () => {
    const uri = 'https://app.example.com/hook';
    expect(signHubSpotV1({ secret, body })).toBe(createHash('sha256').update(`${secret}${body}`).digest('hex'));
    expect(signHubSpotV2({ secret, method: 'POST', uri, body })).toBe(createHash('sha256').update(`${secret}POST${uri}${body}`).digest('hex'));
  });
});

describe('sendWebhook', () => {
  let host: LoopbackServer | undefined;
  afterEach(async () => {
    await host?.close();
    host = undefined;
  });

  it('posts the exact bytes with the signer headers and returns the host answer', async () => {
    const received: SimRequest[] = [];
    host = await startLoopbackServer((req) => {
      received.push(req);
      return { status: 202, body: { accepted: true } };
    });
    const timestamp = new Date('2026-11-25T07:00:00Z');
    const url = `${host.url}/api/webhooks/tickets?connectorId=conn_1`;
    const out = await sendWebhook({
      url,
      body: { event: 'ticket.updated', ticket_id: '42' },
      headers: { 'user-agent': 'Test/1.0' },
      timestamp,
      sign: ({ method, url: signedUrl, body: bytes, timestamp: t }) => ({
        'x-hubspot-request-timestamp': String(t.getTime()),
        'x-hubspot-signature-v3': signHubSpotV3({ secret, method, uri: signedUrl, body: bytes, timestamp: String(t.getTime()) }),
      }),
    });
    expect(out.status).toBe(202);
    expect(JSON.parse(out.body)).toEqual({ accepted: true });
    const req = received[0]!;
    expect(req.method).toBe('POST');
    expect(req.body.toString()).toBe('{"event":"ticket.updated","ticket_id":"42"}');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['user-agent']).toBe('Test/1.0');
    expect(req.headers['x-hubspot-request-timestamp']).toBe(String(timestamp.getTime()));
    const expected = createHmac('sha256', secret).update(`POST${url}${req.body.toString()}${timestamp.getTime()}`).digest('base64');
    expect(req.headers['x-hubspot-signature-v3']).toBe(expected);
  });

  it('sends strings as they are, without a JSON content type', async () => {
    const received: SimRequest[] = [];
    host = await startLoopbackServer((req) => {
      received.push(req);
      return { status: 401, body: 'bad signature' };
    });
    const out = await sendWebhook({ url: host.url, body: 'a=1&b=2', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(out).toMatchObject({ status: 401, body: 'bad signature' });
    expect(received[0]!.body.toString()).toBe('a=1&b=2');
    expect(received[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });
});
