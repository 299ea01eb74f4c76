import { createHash, randomBytes } from 'node:crypto';

/** A PKCE pair (RFC 7636): the verifier the host keeps, the challenge the consent page receives. */
export interface PkcePair {
  /** 43 characters of base64url (32 random bytes); keep it server-side until the code comes back. */
  codeVerifier: string;
  /** base64url(SHA-256(verifier)). */
  codeChallenge: string;
  codeChallengeMethod: 'S256';
}

/** A new PKCE pair with the S256 method. */
export function createPkcePair(): PkcePair {
  const codeVerifier = randomBytes(32).toString('base64url');
  return { codeVerifier, codeChallenge: createHash('sha256').update(codeVerifier).digest('base64url'), codeChallengeMethod: 'S256' };
}

/** An unguessable `state` value (32 random bytes, base64url) that ties the consent page's answer to one request. */
export function createOAuthState(): string {
  return randomBytes(32).toString('base64url');
}
