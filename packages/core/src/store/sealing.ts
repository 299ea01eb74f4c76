// Sealing credentials at rest, shared by every durable store (SQLite, PostgreSQL, a third party's): one format, one
// set of checks, so a store never rolls its own cryptography.
import { createCipheriv, createDecipheriv, createHmac, randomBytes, scryptSync } from 'node:crypto';
import { ConfigError } from '../errors/index.js';

/**
 * A key that seals credentials at rest: 32 random bytes used as they are, or a passphrase (any string) stretched
 * with scrypt and the store's own salt (kept beside the data).
 *
 * Why both: a raw key is what a secrets manager hands out (`crypto.randomBytes(32)`), a passphrase is what fits in
 * an environment variable (`openssl rand -base64 32`); a string is always a passphrase so that no value is ever
 * guessed to be one or the other.
 */
export type StoreKey = string | Uint8Array;

/** Version tag at the start of every sealed value, so a future format can sit next to this one. */
const FORMAT = 'tb1';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Shortest passphrase accepted: below this scrypt cannot make up for the missing entropy. */
export const MIN_PASSPHRASE_LENGTH = 16;

/** scrypt cost parameters, stored beside the data with its salt so a later version can raise them for new stores. */
export interface KdfParams {
  N: number;
  r: number;
  p: number;
}
/**
 * scrypt cost for passphrases: OWASP's minimum for scrypt, N=2^17, r=8, p=1 (128 MiB, about half a second), paid
 * once per open. https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html
 */
export const DEFAULT_SEALING_KDF: KdfParams = { N: 2 ** 17, r: 8, p: 1 };

/** One usable key: the 32 bytes and a short public fingerprint written into every value it seals. */
export interface SealingKey {
  readonly bytes: Buffer;
  /** A fingerprint of the key (HMAC of a constant), so a sealed value names its key without revealing it. */
  readonly id: string;
}

/**
 * Turns what the host passed into a 32-byte key, or says clearly why it cannot (a `ConfigError` naming `field`).
 *
 * @param salt - the store's own random salt, stored beside the data (used for passphrases only).
 * @param kdf - the scrypt cost stored with that salt ({@link DEFAULT_SEALING_KDF} for a new store).
 * @param field - the option the key came from (`key`, `previousKeys[0]`), named in errors.
 * @param keyIdLabel - a constant per store kind, so a key's public fingerprint differs between kinds of store.
 */
export function resolveSealingKey(input: StoreKey, salt: Buffer, kdf: KdfParams, field: string, keyIdLabel: string): SealingKey {
  let bytes: Buffer;
  if (typeof input === 'string') {
    if (input.length < MIN_PASSPHRASE_LENGTH) {
      throw new ConfigError(
        `${field} is a passphrase of ${input.length} characters; use at least ${MIN_PASSPHRASE_LENGTH} (e.g. the output of \`openssl rand -base64 32\`) or 32 random bytes as a Buffer`,
        { field },
      );
    }
    bytes = scryptSync(input.normalize('NFC'), salt, 32, { ...kdf, maxmem: 256 * kdf.N * kdf.r });
  } else if (input instanceof Uint8Array) {
    if (input.byteLength !== 32) {
      throw new ConfigError(`${field} is ${input.byteLength} bytes; a binary key must be exactly 32 bytes (crypto.randomBytes(32)), or pass a passphrase string`, { field });
    }
    bytes = Buffer.from(input);
  } else {
    throw new ConfigError(`${field} must be a passphrase string or 32 bytes`, { field });
  }
  const id = createHmac('sha256', bytes).update(keyIdLabel).digest('base64url').slice(0, 11);
  return { bytes, id };
}

/**
 * Seals `plaintext` with AES-256-GCM: `tb1.<key id>.<iv>.<ciphertext>.<tag>`, base64url parts, a fresh random IV
 * per value. `context` is bound as associated data (table, row, column), so a sealed value copied onto another
 * row or column no longer opens.
 */
export function sealValue(key: SealingKey, plaintext: string, context: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key.bytes, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [FORMAT, key.id, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/** The key id a sealed value names, or undefined when the text is not a sealed value. */
export function sealedKeyId(sealed: string): string | undefined {
  const parts = sealed.split('.');
  return parts.length === 5 && parts[0] === FORMAT ? parts[1] : undefined;
}

/**
 * Opens a value sealed by {@link sealValue} with whichever of `keys` it names. Throws `ConfigError` when no key matches
 * or the value fails authentication; the message names the context, never the contents.
 */
export function unsealValue(keys: readonly SealingKey[], sealed: string, context: string): string {
  const parts = sealed.split('.');
  if (parts.length !== 5 || parts[0] !== FORMAT) throw new ConfigError(`${context} is not a sealed value (format ${FORMAT})`);
  const [, id, iv, body, tag] = parts as [string, string, string, string, string];
  const key = keys.find((k) => k.id === id);
  if (!key) throw new ConfigError(`the key does not open this store (it was sealed with another key): ${context} was sealed with key ${id}`, { field: 'key' });
  try {
    const decipher = createDecipheriv(ALGORITHM, key.bytes, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    // GCM says only "unable to authenticate"; the cause carries nothing useful and no secret, so it is dropped.
    throw new ConfigError(`${context} failed authentication: it was altered, or moved from another row`, { field: 'key' });
  }
}

/** Associated data of the key-check record, the one sealed value that is not a column of a connection. */
const KEY_CHECK_CONTEXT = 'meta/key_check';

/**
 * Seals a store's key-check record: a known text sealed with the current key, kept beside the data, so that opening
 * the store with a wrong key fails at once with a clear error instead of at the first credential read.
 *
 * @param label - a constant per store kind (its key-check text).
 */
export function sealKeyCheck(key: SealingKey, label: string): string {
  return sealValue(key, label, KEY_CHECK_CONTEXT);
}

/**
 * Finds which of the given keys opens a store's key-check record, or throws a `ConfigError` (field `key`) that names
 * the store (`where`) and says how to change keys. The caller re-seals with `current` when the key found is an old one.
 */
export function openKeyCheck(check: string, label: string, current: SealingKey, previous: readonly SealingKey[], where: string): SealingKey {
  const key = [current, ...previous].find((k) => k.id === sealedKeyId(check));
  let opened: string | undefined;
  try {
    opened = key && unsealValue([key], check, KEY_CHECK_CONTEXT);
  } catch {
    opened = undefined;
  }
  if (!key || opened !== label) {
    throw new ConfigError(
      `the key does not open this store (it was sealed with another key)${previous.length ? ', nor do previousKeys' : ''}: ${where}. To change keys, pass the old one in \`previousKeys\``,
      { field: 'key' },
    );
  }
  return key;
}
