import { z } from 'zod';
import { credentialMethodSet, type CredentialMethodDeprecation } from './credential-methods.js';
import { credentialFieldRegistry, type CredentialFieldMeta } from './fields.js';
import type { OAuthGrant } from './oauth-method.js';

/**
 * A credentials schema: a zod object whose fields were built with the field helpers, or several such objects as
 * credential methods (`credentialMethods`), told apart by a `method` field.
 */
export type CredentialsSchema = z.ZodType<Record<string, unknown>, unknown>;

/** One field of a Connect form, as {@link describeCredentials} returns it. */
export interface CredentialFieldDescriptor extends CredentialFieldMeta {
  /** The key in the credentials object. */
  name: string;
  required: boolean;
  /** For select fields: the allowed values. */
  choices?: string[];
  /** For connectors with several credential methods: the methods this field belongs to (show it for those only). */
  methods?: string[];
}

/** One credential method of a connector, as {@link describeCredentialMethods} returns it. */
export interface CredentialMethodDescriptor {
  /** The value of the credentials' `method` field (`default` for a connector with a single method). */
  id: string;
  label: string;
  help?: string;
  /** The fields the user fills in for this method (the `method` field itself is left out). */
  fields: CredentialFieldDescriptor[];
  /**
   * Present for OAuth methods. `authorization_code` needs the browser flow (`hub.oauth.authorizationUrl`, then
   * `connect({ oauth: { code, codeVerifier } })`); `client_credentials` is filled in like any form.
   */
  oauth?: { grant: OAuthGrant; clientFrom: 'credentials' | 'hub' };
  /** Present when the platform is retiring the method: show the end date and steer users elsewhere. */
  deprecated?: CredentialMethodDeprecation;
}

function unwrap(schema: z.ZodType): { inner: z.ZodType; required: boolean } {
  let current: z.ZodType = schema;
  let required = true;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodNullable) {
      required = false;
      current = current.unwrap() as z.ZodType;
    } else return { inner: current, required };
  }
}

function describeShape(shape: z.ZodRawShape): CredentialFieldDescriptor[] {
  return Object.entries(shape).map(([name, field]) => {
    const { inner, required } = unwrap(field as z.ZodType);
    const meta = credentialFieldRegistry.get(field as z.ZodType) ?? credentialFieldRegistry.get(inner);
    const base: CredentialFieldMeta = meta ?? { label: name, kind: 'text', secret: false };
    const choices = inner instanceof z.ZodEnum ? (inner.options as string[]) : undefined;
    return { name, required, ...base, ...(choices ? { choices } : {}) };
  });
}

/**
 * The credential methods of a schema, each with its fields, so a host renders a choice (OAuth sign-in, an OAuth
 * client, a legacy API token) and then that method's form. A plain object schema is one method, `default`.
 */
export function describeCredentialMethods(schema: CredentialsSchema): CredentialMethodDescriptor[] {
  const set = credentialMethodSet(schema);
  if (!set) return [{ id: 'default', label: 'Credentials', fields: describeShape(objectShape(schema)) }];
  return set.methods.map(({ id, definition }) => ({
    id,
    label: definition.label,
    ...(definition.help ? { help: definition.help } : {}),
    fields: describeShape(definition.fields),
    ...(definition.oauth ? { oauth: { grant: definition.oauth.grant, clientFrom: definition.oauth.client === 'hub' ? ('hub' as const) : ('credentials' as const) } } : {}),
    ...(definition.deprecated ? { deprecated: definition.deprecated } : {}),
  }));
}

/**
 * The fields of a credentials schema in declaration order, with their UI metadata, so a host can render the
 * Connect form without knowing the platform. For several credential methods: a `method` select first, then every
 * method's fields once, each listing in `methods` the methods it belongs to.
 */
export function describeCredentials(schema: CredentialsSchema): CredentialFieldDescriptor[] {
  const set = credentialMethodSet(schema);
  if (!set) return describeShape(objectShape(schema));
  const methods = describeCredentialMethods(schema);
  const byName = new Map<string, CredentialFieldDescriptor>();
  for (const m of methods) {
    for (const f of m.fields) {
      const seen = byName.get(f.name);
      if (seen) seen.methods!.push(m.id);
      else byName.set(f.name, { ...f, methods: [m.id] });
    }
  }
  const method: CredentialFieldDescriptor = {
    name: 'method',
    label: 'Sign-in method',
    kind: 'select',
    secret: false,
    required: set.defaultMethod === undefined,
    choices: methods.map((m) => m.id),
    help: methods.map((m) => `${m.id}: ${m.label}${m.deprecated ? ` (ends ${m.deprecated.endsOn})` : ''}`).join('; '),
  };
  return [method, ...byName.values()];
}

/** Fields of a credentials schema built without a field helper (no label, no secret flag); `defineConnector` refuses them. */
export function fieldsWithoutMetadata(schema: CredentialsSchema): string[] {
  const set = credentialMethodSet(schema);
  const shapes = set ? set.methods.map((m) => m.definition.fields) : [objectShape(schema)];
  const bare = new Set<string>();
  for (const shape of shapes) {
    for (const [name, field] of Object.entries(shape)) {
      if (!credentialFieldRegistry.has(field as z.ZodType) && !credentialFieldRegistry.has(unwrap(field as z.ZodType).inner)) bare.add(name);
    }
  }
  return [...bare];
}

/** Names of the secret fields of a credentials schema (of every method, for several). */
export function secretFieldNames(schema: CredentialsSchema): string[] {
  return describeCredentials(schema)
    .filter((f) => f.secret)
    .map((f) => f.name);
}

function objectShape(schema: CredentialsSchema): z.ZodRawShape {
  if (schema instanceof z.ZodObject) return schema.shape as z.ZodRawShape;
  throw new TypeError('[ticketbridge] a credentials schema is a z.object() of field helpers, or credentialMethods({...})');
}
