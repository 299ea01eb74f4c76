import { z } from 'zod';
import { credentialFieldRegistry, type CredentialFieldMeta } from './fields.js';

/** A credentials schema: a zod object whose fields were built with the field helpers. */
export type CredentialsSchema = z.ZodObject<z.ZodRawShape>;

/** One field of a Connect form, as {@link describeCredentials} returns it. */
export interface CredentialFieldDescriptor extends CredentialFieldMeta {
  /** The key in the credentials object. */
  name: string;
  required: boolean;
  /** For select fields: the allowed values. */
  choices?: string[];
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

/**
 * The fields of a credentials schema in declaration order, with their UI metadata, so a host can render the
 * Connect form without knowing the platform.
 */
export function describeCredentials(schema: CredentialsSchema): CredentialFieldDescriptor[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const { inner, required } = unwrap(field as z.ZodType);
    const meta = credentialFieldRegistry.get(field as z.ZodType) ?? credentialFieldRegistry.get(inner);
    const base: CredentialFieldMeta = meta ?? { label: name, kind: 'text', secret: false };
    const choices = inner instanceof z.ZodEnum ? (inner.options as string[]) : undefined;
    return { name, required, ...base, ...(choices ? { choices } : {}) };
  });
}

/** Fields of a credentials schema built without a field helper (no label, no secret flag); `defineConnector` refuses them. */
export function fieldsWithoutMetadata(schema: CredentialsSchema): string[] {
  return Object.entries(schema.shape)
    .filter(([, field]) => !credentialFieldRegistry.has(field as z.ZodType) && !credentialFieldRegistry.has(unwrap(field as z.ZodType).inner))
    .map(([name]) => name);
}

/** Names of the secret fields of a credentials schema. */
export function secretFieldNames(schema: CredentialsSchema): string[] {
  return describeCredentials(schema)
    .filter((f) => f.secret)
    .map((f) => f.name);
}
