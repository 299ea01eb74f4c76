import { describe, expect, it } from 'vitest';
import type { WebhookRequest } from '../../src/connector/webhook.js';
import { sharedSecret } from '../../src/toolkit/shared-secret.js';

const request = (over: Partial<WebhookRequest> = {}): WebhookRequest => ({
  method: 'POST',
  url: 'https://app.example.com/api/webhooks/tickets?connectorId=conn_1',
  headers: {},
  rawBody: Buffer.from('{}'),
  receivedAt: new Date(),
  ...over,
});

describe('sharedSecret', () => {
  const secret = 's3cr3t-value-0123456789';

  it('accepts the secret in the declared header (names are lower-cased, as the router passes them)', () => {
    const check = sharedSecret({ header: 'X-Ticketbridge-Secret' });
    expect(check.verify(request({ headers: { 'x-ticketbridge-secret': secret } }), secret)).toEqual({ ok: true });
    expect(check.verify(request({ headers: { 'x-ticketbridge-secret': ` ${secret} ` } }), secret)).toEqual({ ok: true });
  });

  it('refuses a missing, wrong, longer or shorter value without naming the secret', () => {
    const check = sharedSecret({ header: 'x-ticketbridge-secret' });
    for (const sent of [undefined, '', 'nope', `${secret}x`, secret.slice(0, -1), 'x'.repeat(5000)]) {
      const verdict = check.verify(request({ headers: sent === undefined ? {} : { 'x-ticketbridge-secret': sent } }), secret);
      expect(verdict.ok, String(sent)).toBe(false);
      expect(JSON.stringify(verdict)).not.toContain(secret);
    }
    // A connection without a secret accepts nothing, not even an empty header.
    expect(check.verify(request({ headers: { 'x-ticketbridge-secret': '' } }), '').ok).toBe(false);
  });

  it('reads a query parameter once, and refuses it repeated', () => {
    const check = sharedSecret({ query: 'token' });
    expect(check.verify(request({ url: `https://app.example.com/hook?connectorId=c&token=${secret}` }), secret)).toEqual({ ok: true });
    expect(check.verify(request({ url: `https://app.example.com/hook?connectorId=c&token=${secret}&token=x` }), secret).ok).toBe(false);
    expect(check.verify(request({ url: 'https://app.example.com/hook?connectorId=c' }), secret).ok).toBe(false);
    // The header does not count when the query is declared.
    expect(check.verify(request({ headers: { token: secret } }), secret).ok).toBe(false);
  });

  it('never reports a signed time: a static secret covers none', () => {
    const verdict = sharedSecret({ header: 'x-s' }).verify(request({ headers: { 'x-s': secret } }), secret);
    expect(verdict).toEqual({ ok: true });
    expect('signedAt' in verdict).toBe(false);
  });

  it('refuses a blank name at setup', () => {
    expect(() => sharedSecret({ header: '' })).toThrow();
    expect(() => sharedSecret({ query: 'a b' })).toThrow();
  });
});
