import { createHash, timingSafeEqual } from 'node:crypto';
import type { WebhookRequest, WebhookVerification } from '../connector/webhook.js';
import { ConfigError } from '../errors/config-error.js';

/** Where a platform that signs nothing sends the connection's secret: a custom header, or a query parameter. */
export type SharedSecretLocation = { header: string } | { query: string };

/** A shared-secret check for platforms that sign nothing, ready to verify requests and to build test deliveries. */
export interface SharedSecret {
  /** Where the secret is read. */
  readonly location: SharedSecretLocation;
  /**
   * Compares the secret the request carries with the connection's, in constant time. Never reports `signedAt`: a
   * static secret covers no time, so the router falls back to the parsed items' event times for the replay window.
   */
  verify(request: WebhookRequest, secret: string): WebhookVerification;
}

/** Longest secret value read from a request; anything longer is refused without hashing it. */
const MAX_SECRET_CHARS = 1024;

/**
 * The check for platforms whose webhooks carry no signature, only a value the admin typed into the platform's
 * webhook form (Freshdesk's automation "Trigger webhook": a custom header, or a token in the URL). Both sides are
 * hashed to equal-length digests before `timingSafeEqual`, so neither the value nor its length leaks through timing.
 * The reason of a refusal never contains the secret.
 *
 * @example
 * const check = sharedSecret({ header: 'x-ticketbridge-secret' });
 * check.verify(request, connectionSecret); // { ok: true } or { ok: false, reason: 'header x-ticketbridge-secret is missing' }
 */
export function sharedSecret(location: SharedSecretLocation): SharedSecret {
  const name = 'header' in location ? location.header.toLowerCase() : location.query;
  if (!name || /\s/.test(name)) throw new ConfigError(`sharedSecret needs a header or query parameter name; got ${JSON.stringify(name)}`);
  const where = 'header' in location ? `header ${name}` : `query parameter ${name}`;
  return {
    location,
    verify(request, secret) {
      if (!secret) return { ok: false, reason: 'the connection has no webhook secret' };
      let sent: string | undefined;
      if ('header' in location) sent = request.headers[name];
      else {
        try {
          const params = new URL(request.url).searchParams.getAll(name);
          // Two values would let a proxy and the router disagree about which one counts.
          if (params.length > 1) return { ok: false, reason: `${where} appears more than once` };
          sent = params[0];
        } catch {
          return { ok: false, reason: 'the request URL does not parse' };
        }
      }
      if (sent === undefined || sent === '') return { ok: false, reason: `${where} is missing` };
      if (sent.length > MAX_SECRET_CHARS) return { ok: false, reason: `${where} is too long` };
      return equalSecrets(sent.trim(), secret) ? { ok: true } : { ok: false, reason: `${where} does not match the connection's secret` };
    },
  };
}

function equalSecrets(a: string, b: string): boolean {
  const x = createHash('sha256').update(a, 'utf8').digest();
  const y = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(x, y);
}
