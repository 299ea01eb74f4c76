import { createHmac, timingSafeEqual } from 'node:crypto';

/** Options of {@link verifyHs256Jwt}. */
export interface VerifyHs256JwtOptions {
  /** How far the sender's clock may be off, either way, when `exp`, `nbf` and `iat` are checked, in ms. Default 60 000. */
  clockSkewMs?: number;
  /** Whether a token without `exp` is refused. Default true: a token that never expires can be replayed forever. */
  requireExp?: boolean;
  /** When set, the `iss` claim must equal it. */
  issuer?: string;
  /** When set, a token whose `exp` lies further than this after its `iat` (or after now, without `iat`) is refused, in ms. */
  maxLifetimeMs?: number;
  /** Longest token accepted, in characters. Default 8192. */
  maxLength?: number;
  /** Current time in epoch ms (tests). Default `Date.now`. */
  now?: () => number;
}

/** What {@link verifyHs256Jwt} found: the verified header and claims, or why the token was refused. */
export type Hs256JwtVerification =
  | { ok: true; header: Record<string, unknown>; claims: Record<string, unknown> }
  | { ok: false; reason: string };

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** A base64url segment decoded only when it is canonical (re-encoding gives it back), so one token has one spelling. */
function decodeSegment(segment: string): Buffer | undefined {
  if (!SEGMENT.test(segment)) return undefined;
  const bytes = Buffer.from(segment, 'base64url');
  return bytes.toString('base64url') === segment ? bytes : undefined;
}

function jsonObject(bytes: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a compact JWS (RFC 7515/7519) signed with HMAC SHA-256 and a shared secret, as some platforms sign webhook
 * deliveries (Atlassian's dynamic webhooks for OAuth 2.0 apps: `Authorization: Bearer <jwt>` signed with the app's
 * client secret). Only `alg: "HS256"` is accepted, so `none` and every other algorithm are refused whatever the
 * header says; the signature is compared in constant time before any claim is read; `exp` is required (unless told
 * otherwise) and, like `nbf` and `iat`, checked with a small clock skew; a `crit` header is refused (no extension is
 * understood). The reason never contains the token or the secret.
 *
 * @example
 * ```ts
 * const auth = request.headers['authorization'] ?? '';
 * const token = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
 * const verdict = token ? verifyHs256Jwt(token, clientSecret) : { ok: false, reason: 'missing bearer token' };
 * ```
 */
export function verifyHs256Jwt(token: string, secret: string | Buffer, options: VerifyHs256JwtOptions = {}): Hs256JwtVerification {
  const maxLength = options.maxLength ?? 8192;
  if (typeof token !== 'string' || token.length === 0) return { ok: false, reason: 'no token' };
  if (token.length > maxLength) return { ok: false, reason: `token longer than ${maxLength} characters` };
  if (typeof secret === 'string' ? secret.length === 0 : secret.byteLength === 0) return { ok: false, reason: 'no secret to verify with' };
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'not a compact JWS (header.payload.signature)' };
  const [h, p, s] = parts as [string, string, string];
  const headerBytes = decodeSegment(h);
  const header = headerBytes && jsonObject(headerBytes);
  if (!header) return { ok: false, reason: 'header is not base64url JSON' };
  if (header['alg'] !== 'HS256') return { ok: false, reason: `alg ${JSON.stringify(String(header['alg']).slice(0, 20))} is not HS256` };
  if (header['crit'] !== undefined) return { ok: false, reason: 'crit header extensions are not supported' };
  const signature = s === '' ? undefined : decodeSegment(s);
  if (!signature) return { ok: false, reason: 'no signature' };
  const expected = createHmac('sha256', secret).update(`${h}.${p}`).digest();
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return { ok: false, reason: 'signature mismatch' };

  const payloadBytes = decodeSegment(p);
  const claims = payloadBytes && jsonObject(payloadBytes);
  if (!claims) return { ok: false, reason: 'payload is not base64url JSON' };
  const now = (options.now ?? Date.now)();
  const skew = options.clockSkewMs ?? 60_000;
  const time = (name: string): number | null | undefined => {
    const v = claims[name];
    if (v === undefined) return undefined;
    return typeof v === 'number' && Number.isFinite(v) ? v * 1000 : null;
  };
  const exp = time('exp');
  const nbf = time('nbf');
  const iat = time('iat');
  if (exp === null || nbf === null || iat === null) return { ok: false, reason: 'exp, nbf and iat must be NumericDate seconds' };
  if (exp === undefined && options.requireExp !== false) return { ok: false, reason: 'no exp claim' };
  if (exp !== undefined && now > exp + skew) return { ok: false, reason: 'token expired' };
  if (nbf !== undefined && now + skew < nbf) return { ok: false, reason: 'token not valid yet (nbf)' };
  if (iat !== undefined && iat > now + skew) return { ok: false, reason: 'token issued in the future (iat)' };
  if (options.maxLifetimeMs !== undefined && exp !== undefined && exp - (iat ?? now) > options.maxLifetimeMs) return { ok: false, reason: 'token lives longer than allowed' };
  if (options.issuer !== undefined && claims['iss'] !== options.issuer) return { ok: false, reason: 'unexpected iss' };
  return { ok: true, header, claims };
}
