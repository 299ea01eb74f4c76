import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookRequest, WebhookVerification } from '../connector/webhook.js';
import { ConfigError } from '../errors/config-error.js';

/**
 * One piece of the signed content, concatenated in order with no separator of its own:
 * `body` (the raw bytes), `timestamp` (the timestamp exactly as sent), `method` (upper case), `url` (the full URL as
 * received, undecoded), `decoded-url` (the same, percent-decoded), `{ header }` (a header's value as sent, such as
 * Standard Webhooks' `webhook-id`) or `{ text }` (a literal separator such as `.`).
 */
export type SignedPart = 'body' | 'timestamp' | 'method' | 'url' | 'decoded-url' | { header: string } | { text: string };

/** A platform's webhook signature recipe, declared as data. */
export interface HmacSignatureScheme {
  /** Hash function of the HMAC. */
  algorithm: 'sha256' | 'sha1';
  /** How the digest is written in the header; hex is compared in either letter case. */
  encoding: 'hex' | 'base64';
  /** Where the signature is. */
  signature: {
    /** The header (any letter case). */
    header: string;
    /** Text before each digest: `sha256=`, `sha1=`, `v1,`, `v1=`. A signature without it never matches. */
    prefix?: string;
    /**
     * For headers carrying several signatures, what separates them: `' '` for Standard Webhooks (`v1,a v1,b`), `','`
     * for `t=…,v1=…` layouts. Entries without `prefix` are skipped; any one entry that matches is enough.
     */
    separator?: string;
  };
  /**
   * Where the signed timestamp is and how to read it: its own header, or a `key=` entry of a header
   * (`{ header: 'x-signature', key: 't' }` for `t=1614265330,v1=…`). Formats: `iso-8601`, `epoch-seconds`,
   * `epoch-ms`. It must be one of the `signed` parts: the verifier then reports it as `signedAt`, and the router
   * enforces the replay window on it.
   */
  timestamp?: { header: string; format: 'iso-8601' | 'epoch-seconds' | 'epoch-ms'; key?: string };
  /** The signed content, in order. */
  signed: readonly SignedPart[];
  /**
   * Further recipes that verify as well, for a platform known to sign one of several ways (HubSpot: one of its
   * samples hashes the percent-decoded URL). Each costs one more digest per request; a recipe whose content is the
   * same as an earlier one is skipped.
   */
  alternatives?: readonly (readonly SignedPart[])[];
  /**
   * How the secret becomes the key: its UTF-8 bytes (default), or base64-decoded after removing `prefix`
   * (Standard Webhooks' `whsec_…`).
   */
  secret?: { encoding: 'utf8' | 'base64'; prefix?: string };
  /**
   * `hmac` (default), or `secret-prefix`: a plain hash of the secret followed by the signed content, which
   * HubSpot's v1/v2 signatures use. Weaker than an HMAC; declare it only for a platform that signs no other way.
   */
  construction?: 'hmac' | 'secret-prefix';
}

/** The parts of a request that {@link HmacSignature.sign} signs, as a sender would send them. */
export interface SignInput {
  secret: string;
  body: string | Buffer;
  /** The timestamp exactly as it will be sent. */
  timestamp?: string;
  method?: string;
  /** The full URL the request is sent to. */
  url?: string;
  /** Header values a recipe reads (`{ header }` parts), by lower-case name. */
  headers?: Record<string, string>;
}

/** A declared signature scheme, ready to verify requests and to sign test deliveries. */
export interface HmacSignature {
  /** The scheme as declared. */
  readonly scheme: HmacSignatureScheme;
  /**
   * Checks a request's signature in constant time and reports the signed timestamp when the scheme signs one. It
   * does not judge the timestamp's age: the router enforces one replay window for every platform.
   */
  verify(request: WebhookRequest, secret: string): WebhookVerification;
  /** The signature header's value for these parts (prefix included), with the scheme's first recipe. */
  sign(input: SignInput): string;
}

/** More signatures than this in one header are not looked at, so a request cannot make us hash without bound. */
const MAX_SIGNATURES = 8;
/** A signature header longer than this is refused unread. */
const MAX_SIGNATURE_HEADER = 4096;

/**
 * Declares a platform's webhook signature once, as data: HMAC (SHA-256 or SHA-1) in hex or base64 with an optional
 * prefix, over content built from the request's parts, compared in constant time, with one or several signatures per
 * header. This is the only place Ticketbridge verifies a signature, so every connector gets the same care: raw body
 * bytes, a length check before `timingSafeEqual`, bounded headers, no secret in any reason.
 *
 * Throws `ConfigError` for a scheme that reads a timestamp it does not sign (a replay window on an unsigned time
 * would protect nothing).
 *
 * @example
 * // Zendesk: base64(HMAC-SHA256(secret, timestamp + body)), https://developer.zendesk.com/documentation/webhooks/verifying/
 * const zendeskSignature = hmacSignature({
 *   algorithm: 'sha256',
 *   encoding: 'base64',
 *   signature: { header: 'x-zendesk-webhook-signature' },
 *   timestamp: { header: 'x-zendesk-webhook-signature-timestamp', format: 'iso-8601' },
 *   signed: ['timestamp', 'body'],
 * });
 * zendeskSignature.verify(request, secret); // { ok: true, signedAt } or { ok: false, reason }
 *
 * @example
 * // Standard Webhooks: "v1,<base64>" entries separated by spaces, over `${id}.${timestamp}.${body}`, key `whsec_` + base64.
 * hmacSignature({
 *   algorithm: 'sha256',
 *   encoding: 'base64',
 *   signature: { header: 'webhook-signature', prefix: 'v1,', separator: ' ' },
 *   timestamp: { header: 'webhook-timestamp', format: 'epoch-seconds' },
 *   signed: [{ header: 'webhook-id' }, { text: '.' }, 'timestamp', { text: '.' }, 'body'],
 *   secret: { encoding: 'base64', prefix: 'whsec_' },
 * });
 */
export function hmacSignature(scheme: HmacSignatureScheme): HmacSignature {
  const recipes = [scheme.signed, ...(scheme.alternatives ?? [])];
  const signsTime = recipes.every((recipe) => recipe.includes('timestamp'));
  if (scheme.timestamp && !signsTime) {
    throw new ConfigError('the signature scheme reads a timestamp that not every recipe signs; an unsigned time cannot bound replays');
  }
  if (!scheme.timestamp && recipes.some((recipe) => recipe.includes('timestamp'))) {
    throw new ConfigError('the signature scheme signs a timestamp but does not say which header carries it');
  }
  if (recipes.some((recipe) => recipe.length === 0)) throw new ConfigError('a signature recipe signs nothing');
  const signatureHeader = scheme.signature.header.toLowerCase();
  const prefix = scheme.signature.prefix ?? '';

  function key(secret: string): Buffer | undefined {
    if (scheme.secret?.encoding !== 'base64') return Buffer.from(secret, 'utf8');
    const encoded = scheme.secret.prefix && secret.startsWith(scheme.secret.prefix) ? secret.slice(scheme.secret.prefix.length) : secret;
    // Node's decoder skips characters it does not know; a secret that is not base64 must fail, not shrink.
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 === 1) return undefined;
    return Buffer.from(encoded, 'base64');
  }

  function digest(secretKey: Buffer, parts: readonly (string | Buffer)[]): string {
    if ((scheme.construction ?? 'hmac') === 'secret-prefix') {
      const hash = createHash(scheme.algorithm).update(secretKey);
      for (const part of parts) hash.update(part);
      return hash.digest(scheme.encoding);
    }
    const hmac = createHmac(scheme.algorithm, secretKey);
    for (const part of parts) hmac.update(part);
    return hmac.digest(scheme.encoding);
  }

  /** The content of one recipe, or `undefined` when a part it needs is missing or cannot be derived. */
  function content(recipe: readonly SignedPart[], input: Omit<SignInput, 'secret'>): Array<string | Buffer> | undefined {
    const parts: Array<string | Buffer> = [];
    for (const part of recipe) {
      let value: string | Buffer | undefined;
      if (part === 'body') value = input.body;
      else if (part === 'timestamp') value = input.timestamp;
      else if (part === 'method') value = input.method?.toUpperCase();
      else if (part === 'url') value = input.url;
      else if (part === 'decoded-url') value = input.url === undefined ? undefined : decode(input.url);
      else if ('header' in part) value = input.headers?.[part.header.toLowerCase()];
      else value = part.text;
      if (value === undefined) return undefined;
      parts.push(value);
    }
    return parts;
  }

  function expectedDigests(secretKey: Buffer, input: Omit<SignInput, 'secret'>): string[] {
    const digests: string[] = [];
    const contents = new Set<string>();
    for (const recipe of recipes) {
      const parts = content(recipe, input);
      if (!parts) continue;
      // Recipes that build the same bytes (a URL with nothing to decode) are hashed once.
      const fingerprint = parts.map((p) => (typeof p === 'string' ? `s${p.length}:${p}` : `b${p.length}`)).join('|');
      if (contents.has(fingerprint)) continue;
      contents.add(fingerprint);
      digests.push(digest(secretKey, parts));
    }
    return digests;
  }

  function readTimestamp(headers: Record<string, string>): { text: string; at: Date } | { missing: string } | { malformed: string } {
    const spec = scheme.timestamp!;
    const header = spec.header.toLowerCase();
    const raw = headers[header];
    const text = raw === undefined ? undefined : spec.key ? entry(raw, `${spec.key}=`) : raw.trim();
    if (text === undefined || text === '') return { missing: spec.key ? `${spec.key}= in the ${header} header` : `${header} header` };
    let ms = Number.NaN;
    if (spec.format === 'epoch-seconds' && /^\d{1,12}$/.test(text)) ms = Number(text) * 1000;
    else if (spec.format === 'epoch-ms' && /^\d{1,15}$/.test(text)) ms = Number(text);
    else if (spec.format === 'iso-8601' && text.length <= 64 && /^\d{4}-\d{2}-\d{2}T/.test(text)) ms = Date.parse(text);
    if (Number.isNaN(ms)) return { malformed: header };
    return { text, at: new Date(ms) };
  }

  return {
    scheme,
    verify(request, secret) {
      const given = request.headers[signatureHeader];
      if (given === undefined || given.trim() === '') return { ok: false, reason: `missing ${signatureHeader} header` };
      if (given.length > MAX_SIGNATURE_HEADER) return { ok: false, reason: `${signatureHeader} header is too long` };
      let timestamp: { text: string; at: Date } | undefined;
      if (scheme.timestamp) {
        const read = readTimestamp(request.headers);
        if ('missing' in read) return { ok: false, reason: `missing ${read.missing} (the signed timestamp)` };
        if ('malformed' in read) return { ok: false, reason: `${read.malformed} is not a ${scheme.timestamp.format} timestamp` };
        timestamp = read;
      }
      const candidates = signatures(given, prefix, scheme.signature.separator, scheme.encoding);
      if (candidates.length === 0) return { ok: false, reason: `${signatureHeader} carries no ${prefix ? `"${prefix}" ` : ''}signature` };
      const secretKey = key(secret);
      if (!secretKey) return { ok: false, reason: 'the signing secret is not in the form this scheme expects' };
      const expected = expectedDigests(secretKey, {
        body: request.rawBody,
        method: request.method,
        url: request.url,
        headers: request.headers,
        ...(timestamp ? { timestamp: timestamp.text } : {}),
      });
      if (expected.length === 0) return { ok: false, reason: 'the request lacks a part the signature covers' };
      let match = false;
      // Every pair is compared, so the time taken does not say which candidate came close.
      for (const candidate of candidates) for (const digestText of expected) match = constantTimeEqual(candidate, digestText) || match;
      if (!match) return { ok: false, reason: 'signature does not match' };
      return timestamp ? { ok: true, signedAt: timestamp.at } : { ok: true };
    },
    sign(input) {
      const secretKey = key(input.secret);
      if (!secretKey) throw new ConfigError('the signing secret is not in the form this scheme expects');
      const parts = content(scheme.signed, input);
      if (!parts) throw new ConfigError('a part the signature covers was not given');
      return prefix + digest(secretKey, parts);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Internal helpers

/** The digests a signature header offers, without their prefix; hex lower-cased so either case compares equal. */
function signatures(header: string, prefix: string, separator: string | undefined, encoding: 'hex' | 'base64'): string[] {
  const entries = separator === undefined ? [header.trim()] : header.split(separator, MAX_SIGNATURES * 4).map((e) => e.trim());
  const found: string[] = [];
  for (const value of entries) {
    if (found.length >= MAX_SIGNATURES) break;
    if (!value.startsWith(prefix)) continue;
    const digest = value.slice(prefix.length).trim();
    if (digest) found.push(encoding === 'hex' ? digest.toLowerCase() : digest);
  }
  return found;
}

/** The value after `name` in a `t=…,v1=…` list (comma-separated, as such layouts are). */
function entry(header: string, name: string): string | undefined {
  for (const part of header.split(',', MAX_SIGNATURES * 4)) {
    const text = part.trim();
    if (text.startsWith(name)) return text.slice(name.length).trim();
  }
  return undefined;
}

function decode(url: string): string | undefined {
  try {
    return decodeURIComponent(url);
  } catch {
    // A malformed escape cannot be what the platform signed in decoded form.
    return undefined;
  }
}

/** Equal-length buffers for `timingSafeEqual`; a length mismatch is a mismatch and leaks only the public length. */
function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
