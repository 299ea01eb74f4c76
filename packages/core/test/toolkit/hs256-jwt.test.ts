import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyHs256Jwt } from '../../src/toolkit.js';

// Tokens are built here with node:crypto, independently of the verifier.
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
function sign(claims: unknown, secret: string, header: unknown = { alg: 'HS256', typ: 'JWT' }): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

const NOW = Date.parse('2026-03-01T12:00:00Z');
const now = () => NOW;
const sec = (ms: number) => Math.floor(ms / 1000);
const claims = { iss: 'client-1', sub: 'acc-1', iat: sec(NOW), exp: sec(NOW) + 180, jti: 'j1' };
const SECRET = 'app-secret-0123456789';

describe('verifyHs256Jwt', () => {
  it('accepts a valid token and returns its header and claims', () => {
    const verdict = verifyHs256Jwt(sign(claims, SECRET), SECRET, { now, issuer: 'client-1' });
    expect(verdict).toEqual({ ok: true, header: { alg: 'HS256', typ: 'JWT' }, claims });
  });

  it('refuses another secret, a tampered payload, and a signature of the wrong length', () => {
    expect(verifyHs256Jwt(sign(claims, 'other-secret'), SECRET, { now })).toEqual({ ok: false, reason: 'signature mismatch' });
    const [h, , s] = sign(claims, SECRET).split('.');
    expect(verifyHs256Jwt(`${h}.${b64({ ...claims, sub: 'admin' })}.${s}`, SECRET, { now }).ok).toBe(false);
    expect(verifyHs256Jwt(`${h}.${b64(claims)}.${s!.slice(0, 20)}`, SECRET, { now }).ok).toBe(false);
  });

  it('refuses alg none (with or without a signature) and every algorithm but HS256', () => {
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    expect(verifyHs256Jwt(none, SECRET, { now })).toMatchObject({ ok: false, reason: expect.stringMatching(/alg "none" is not HS256/) });
    // Signed correctly with HMAC, but the header claims another algorithm: refused before any check.
    for (const alg of ['HS512', 'RS256', 'hs256', 'None']) expect(verifyHs256Jwt(sign(claims, SECRET, { alg }), SECRET, { now }).ok).toBe(false);
    expect(verifyHs256Jwt(sign(claims, SECRET, { typ: 'JWT' }), SECRET, { now }).ok).toBe(false);
    expect(verifyHs256Jwt(sign(claims, SECRET, { alg: 'HS256', crit: ['b64'] }), SECRET, { now }).ok).toBe(false);
  });

  it('checks exp, nbf and iat with the clock skew, and requires exp unless told otherwise', () => {
    const expired = sign({ ...claims, exp: sec(NOW) - 120 }, SECRET);
    expect(verifyHs256Jwt(expired, SECRET, { now })).toEqual({ ok: false, reason: 'token expired' });
    expect(verifyHs256Jwt(expired, SECRET, { now, clockSkewMs: 130_000 }).ok).toBe(true);
    expect(verifyHs256Jwt(sign({ ...claims, exp: sec(NOW) - 30 }, SECRET), SECRET, { now }).ok).toBe(true);
    expect(verifyHs256Jwt(sign({ ...claims, nbf: sec(NOW) + 600 }, SECRET), SECRET, { now }).ok).toBe(false);
    expect(verifyHs256Jwt(sign({ ...claims, iat: sec(NOW) + 600 }, SECRET), SECRET, { now }).ok).toBe(false);
    const { exp: _exp, ...noExp } = claims;
    expect(verifyHs256Jwt(sign(noExp, SECRET), SECRET, { now })).toEqual({ ok: false, reason: 'no exp claim' });
    expect(verifyHs256Jwt(sign(noExp, SECRET), SECRET, { now, requireExp: false }).ok).toBe(true);
    expect(verifyHs256Jwt(sign({ ...claims, exp: String(claims.exp) }, SECRET), SECRET, { now }).ok).toBe(false);
    expect(verifyHs256Jwt(sign({ ...claims, exp: sec(NOW) + 86_400 }, SECRET), SECRET, { now, maxLifetimeMs: 3_600_000 }).ok).toBe(false);
  });

  it('refuses the wrong issuer, malformed tokens, non-canonical base64url and oversized tokens, never echoing the token', () => {
    const token = sign(claims, SECRET);
    expect(verifyHs256Jwt(token, SECRET, { now, issuer: 'client-2' })).toEqual({ ok: false, reason: 'unexpected iss' });
    for (const bad of ['', 'a.b', 'a.b.c.d', `${token}=`, `${token.split('.')[0]}.!!.${token.split('.')[2]}`, `${b64('not json')}.${b64(claims)}.x`]) {
      const verdict = verifyHs256Jwt(bad, SECRET, { now });
      expect(verdict.ok).toBe(false);
    }
    expect(verifyHs256Jwt(token, SECRET, { now, maxLength: 20 })).toEqual({ ok: false, reason: 'token longer than 20 characters' });
    expect(verifyHs256Jwt(token, '', { now }).ok).toBe(false);
    const verdict = verifyHs256Jwt(sign(claims, 'x'), SECRET, { now });
    expect(JSON.stringify(verdict)).not.toContain(SECRET);
    expect(JSON.stringify(verdict)).not.toContain(token.split('.')[2]);
  });
});
