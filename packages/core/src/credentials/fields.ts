import { z } from 'zod';

/** How a host should render a credentials field in its Connect form. */
export type CredentialFieldKind = 'text' | 'email' | 'secret' | 'subdomain' | 'url' | 'select' | 'textarea';

/** UI metadata attached to each credentials field; a host renders its Connect form from it. */
export interface CredentialFieldMeta {
  /** Label shown next to the input, e.g. "API token". */
  label: string;
  /** Where the user finds this value, e.g. "Zendesk Admin → Apps & Integrations → Zendesk API". */
  help?: string;
  kind: CredentialFieldKind;
  /** Secret fields are redacted from errors, logs, events, history and `JSON.stringify`. */
  secret: boolean;
  /** Placeholder text for the input. */
  placeholder?: string;
  /** For subdomains: the platform's domain, shown as a suffix (`.zendesk.com`). */
  suffix?: string;
}

/** The registry holding field metadata; read it through {@link describeCredentials}. */
export const credentialFieldRegistry = z.registry<CredentialFieldMeta>();

/** Common options of the field builders. */
export interface FieldOptions {
  label: string;
  help?: string;
  placeholder?: string;
}

/**
 * A DNS label: what every platform's account subdomain is. The pattern is deliberately narrow: a value that
 * could change the host we talk to (`evil.com#`, `a.b`, `x@y`, `../`, a full URL) never passes.
 */
export const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Explain why a subdomain is rejected, or return `undefined` if it is a valid DNS label. Exported so hosts can
 * validate as the user types.
 */
export function subdomainProblem(value: string, suffix = ''): string | undefined {
  if (value.length === 0) return 'is empty';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return `must be the subdomain only, not a URL (e.g. "acme" for acme${suffix})`;
  if (/[.]/.test(value)) return `must be a single label without dots (e.g. "acme" for acme${suffix})`;
  if (/[/\\@:?#%\s]/.test(value)) return 'contains a character that is not allowed in a host name (/ \\ @ : ? # % or whitespace)';
  if (value.length > 63) return 'is longer than 63 characters';
  if (!DNS_LABEL.test(value)) return 'may contain only lower-case letters, digits and inner hyphens';
  return undefined;
}

/**
 * A subdomain field (`acmecorp` from `acmecorp.zendesk.com`). The value is trimmed and lower-cased; anything that
 * is not a DNS label is rejected with a message that says why, before any request is made.
 */
export function subdomainField(options: FieldOptions & { suffix: string }) {
  const schema = z
    .string()
    .transform((v) => v.trim().toLowerCase())
    .superRefine((value, ctx) => {
      const problem = subdomainProblem(value, options.suffix);
      if (problem) ctx.addIssue({ code: 'custom', message: `${options.label} ${problem}` });
    });
  credentialFieldRegistry.add(schema, { ...options, kind: 'subdomain', secret: false });
  return schema;
}

/** A secret field (API token, key, signing secret): redacted everywhere Ticketbridge writes. */
export function secretField(options: FieldOptions & { minLength?: number }) {
  const schema = z
    .string()
    .min(options.minLength ?? 1, { message: `${options.label} is required` });
  credentialFieldRegistry.add(schema, { ...options, kind: 'secret', secret: true });
  return schema;
}

/** An e-mail field (trimmed). */
export function emailField(options: FieldOptions) {
  const schema = z
    .string()
    .trim()
    .pipe(z.email({ message: `${options.label} must be an e-mail address` }));
  credentialFieldRegistry.add(schema, { ...options, kind: 'email', secret: false });
  return schema;
}

/** A plain text field. */
export function textField(options: FieldOptions & { optional?: boolean }) {
  const schema = z.string().trim().min(1, { message: `${options.label} is required` });
  credentialFieldRegistry.add(schema, { ...options, kind: 'text', secret: false });
  return schema;
}

/** A select field with fixed choices (e.g. an Intercom region). */
export function selectField<const T extends readonly [string, ...string[]]>(options: FieldOptions & { choices: T }) {
  const schema = z.enum(options.choices);
  credentialFieldRegistry.add(schema, { ...options, kind: 'select', secret: false });
  return schema;
}

/**
 * Gives an existing schema field metadata, for shapes the builders above do not cover (a list of project keys, a
 * number). Use {@link markSecret} for anything that must be redacted.
 */
export function markField<T extends z.ZodType>(schema: T, options: FieldOptions & { kind?: Exclude<CredentialFieldKind, 'secret'> }): T {
  const { kind = 'text', ...rest } = options;
  credentialFieldRegistry.add(schema, { ...rest, kind, secret: false });
  return schema;
}

/** Marks an existing schema as a secret field (for shapes the builders above do not cover). */
export function markSecret<T extends z.ZodType>(schema: T, options: FieldOptions): T {
  credentialFieldRegistry.add(schema, { ...options, kind: 'secret', secret: true });
  return schema;
}
