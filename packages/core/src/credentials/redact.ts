/** What replaces a secret wherever Ticketbridge writes. */
export const REDACTED = '[redacted]';

/**
 * Replaces every occurrence of the given secrets (and their common encodings: base64 of `user:secret`-style
 * auth is covered by redacting the whole header value upstream) in a string, in any letter case: platforms echo
 * tokens upper- or lower-cased in their error bodies.
 */
export class Redactor {
  readonly #known = new Set<string>();
  /**
   * Every secret (and its encodings) as one case-insensitive alternation, so a string is scanned once however many
   * secrets there are. Built on first use: a redactor is made per sync run and per webhook request, and most never
   * redact anything, so compiling the pattern up front was a measurable part of a webhook's cost.
   */
  #pattern: RegExp | null | undefined;

  constructor(secrets: Iterable<string | undefined | null>) {
    this.add(secrets);
  }

  /** A redactor that also hides these extra values (this one is left as it is). */
  with(secrets: Iterable<string | undefined | null>): Redactor {
    return new Redactor([...this.#known, ...secrets]);
  }

  /**
   * Hides these values too, from now on. For secrets that appear during a connection's life: an OAuth access
   * token obtained or rotated after the redactor was built.
   */
  add(secrets: Iterable<string | undefined | null>): void {
    for (const secret of secrets) {
      // Very short values would redact ordinary words; platform secrets are long.
      if (typeof secret !== 'string' || secret.length < 4 || this.#known.has(secret)) continue;
      this.#known.add(secret);
      this.#pattern = undefined;
    }
  }

  /** The string with every known secret, in any letter case, replaced by {@link REDACTED}. */
  string(value: string): string {
    const pattern = (this.#pattern ??= this.#compile());
    return pattern ? value.replace(pattern, REDACTED) : value;
  }

  #compile(): RegExp | null {
    const forms = new Set<string>();
    for (const secret of this.#known) for (const form of [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')]) forms.add(form);
    if (forms.size === 0) return null;
    // Longest first so a secret containing another is replaced whole.
    const sorted = [...forms].sort((a, b) => b.length - a.length);
    return new RegExp(sorted.map(escapeRegExp).join('|'), 'gi');
  }

  /** A deep copy of a JSON-like value with every string redacted. */
  value<T>(value: T): T {
    return redactDeep(value, this) as T;
  }

  /** An error turned into a secret-free plain object, for events and history. */
  error(error: unknown): { name: string; code?: string; message: string; [key: string]: unknown } {
    if (error && typeof error === 'object' && typeof (error as { toJSON?: unknown }).toJSON === 'function') {
      return this.value((error as { toJSON(): Record<string, unknown> }).toJSON()) as {
        name: string;
        message: string;
      };
    }
    if (error instanceof Error) return { name: error.name, message: this.string(error.message) };
    return { name: 'Error', message: this.string(String(error)) };
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function redactDeep(value: unknown, redactor: Redactor): unknown {
  if (typeof value === 'string') return redactor.string(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redactor));
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, redactor);
    return out;
  }
  return value;
}

/** Returns a copy of `credentials` with the named secret fields replaced by {@link REDACTED}. */
export function redactCredentials<T extends Record<string, unknown>>(credentials: T, secretFields: string[]): T {
  const out: Record<string, unknown> = { ...credentials };
  for (const name of secretFields) if (out[name] !== undefined && out[name] !== '') out[name] = REDACTED;
  return out as T;
}
