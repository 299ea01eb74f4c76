import { z } from 'zod';
import type { OAuthMethodConfig } from './oauth-method.js';

/** A method that still works but is being retired by the platform (Zendesk API tokens end on 30 Apr 2027). */
export interface CredentialMethodDeprecation {
  /** The last day the platform accepts this method (ISO date, `2027-04-30`). */
  endsOn: string;
  /** What the user should do instead; shown in the Connect form and logged when a connection uses the method. */
  message: string;
}

/**
 * One way to authenticate with a platform: the form fields the user fills in and, for OAuth, how the core obtains
 * and refreshes tokens. Build one with {@link credentialMethod}; group them with {@link credentialMethods}.
 */
export interface CredentialMethodDefinition<TShape extends z.ZodRawShape = z.ZodRawShape> {
  /** Label of the choice in the Connect form ("OAuth client", "API token (legacy)"). */
  label: string;
  /** One or two sentences on when to pick this method. */
  help?: string;
  /** The form fields of this method, each built with a field helper (`subdomainField`, `secretField`...). */
  fields: TShape;
  /** Present for OAuth 2 methods: the core obtains, refreshes and sends the access token. */
  oauth?: OAuthMethodConfig<z.output<z.ZodObject<TShape>>>;
  /** Present when the platform is retiring this method. */
  deprecated?: CredentialMethodDeprecation;
}

/** A method as the core keeps it: its definition plus the zod object that validates it (with `method`). */
export interface RegisteredCredentialMethod {
  id: string;
  definition: CredentialMethodDefinition;
  /** `z.object({ method: z.literal(id), ...fields })`. */
  schema: z.ZodObject<z.ZodRawShape>;
}

/** The methods behind a schema built by {@link credentialMethods}. */
export interface CredentialMethodSet {
  methods: RegisteredCredentialMethod[];
  /** The method assumed when the input names none (connections saved before methods existed). */
  defaultMethod: string | undefined;
}

const methodSets = new WeakMap<z.ZodType, CredentialMethodSet>();

/**
 * Declares one credential method; an identity function that types `oauth` from the method's own fields.
 *
 * @example
 * ```ts
 * const clientCredentials = credentialMethod({
 *   label: 'OAuth client',
 *   fields: { subdomain: subdomainField({ label: 'Subdomain', suffix: '.zendesk.com' }), clientId: textField({ label: 'Client id' }), clientSecret: secretField({ label: 'Client secret' }) },
 *   oauth: { grant: 'client_credentials', tokenUrl: (c) => `https://${c.subdomain}.zendesk.com/oauth/tokens`, client: { idField: 'clientId', secretField: 'clientSecret' }, scopes: () => ['read'] },
 * });
 * ```
 */
export function credentialMethod<TShape extends z.ZodRawShape>(definition: CredentialMethodDefinition<TShape>): CredentialMethodDefinition<TShape> {
  return definition;
}

/** Any method definition, whatever its fields (the `oauth` callbacks make the shape invariant). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCredentialMethod = CredentialMethodDefinition<any>;

/** The credentials type of a set of methods: each method's fields plus its `method` discriminator. */
export type CredentialsOfMethods<M extends Record<string, AnyCredentialMethod>> = {
  [K in keyof M & string]: { method: K } & z.output<z.ZodObject<M[K]['fields']>>;
}[keyof M & string];

/** The schema {@link credentialMethods} returns: it validates any one method, chosen by the `method` field. */
export type CredentialMethodsSchema<M extends Record<string, AnyCredentialMethod>> = z.ZodType<CredentialsOfMethods<M>, unknown>;

/**
 * Several ways to authenticate with one platform (Zendesk: an OAuth client, OAuth sign-in, a legacy API token), as
 * one credentials schema. The credentials carry a `method` field naming the one chosen; `describeCredentials`
 * lists every method's fields so a host renders a choice, and `describeCredentialMethods` describes each method.
 *
 * `defaultMethod` is assumed when the input names no method, so connections saved before a platform had several
 * methods keep working.
 *
 * @example
 * ```ts
 * credentials: credentialMethods({ oauth_client_credentials: clientCredentials, api_token: apiToken }, { defaultMethod: 'api_token' }),
 * http: (c) => (c.method === 'api_token' ? { baseUrl, headers: { authorization: basic(c) }, authField: 'apiToken' } : { baseUrl, headers: {} }),
 * ```
 */
export function credentialMethods<const M extends Record<string, AnyCredentialMethod>>(
  methods: M,
  options: { defaultMethod?: keyof M & string } = {},
): CredentialMethodsSchema<M> {
  const registered: RegisteredCredentialMethod[] = Object.entries(methods).map(([id, definition]) => {
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(id)) throw new TypeError(`[ticketbridge] credential method "${id}" must be lower-case letters, digits and underscores`);
    if ('method' in definition.fields) throw new TypeError(`[ticketbridge] credential method "${id}" must not declare a field named "method"`);
    return { id, definition, schema: z.object({ method: z.literal(id), ...definition.fields }) };
  });
  if (registered.length === 0) throw new TypeError('[ticketbridge] credentialMethods needs at least one method');
  const defaultMethod = options.defaultMethod;
  if (defaultMethod !== undefined && !(defaultMethod in methods)) throw new TypeError(`[ticketbridge] default credential method "${defaultMethod}" is not one of the methods`);
  const ids = registered.map((m) => m.id);
  const union = z.discriminatedUnion('method', registered.map((m) => m.schema) as unknown as [z.ZodObject<{ method: z.ZodLiteral<string> }>], {
    error: (issue) => (issue.code === 'invalid_union' ? `method must be one of ${ids.map((id) => `"${id}"`).join(', ')}` : undefined),
  });
  const schema = z.preprocess((input) => {
    if (defaultMethod === undefined || typeof input !== 'object' || input === null || Array.isArray(input)) return input;
    return (input as { method?: unknown }).method === undefined ? { ...input, method: defaultMethod } : input;
  }, union);
  methodSets.set(schema, { methods: registered, defaultMethod });
  return schema as unknown as CredentialMethodsSchema<M>;
}

/** The methods of a schema built by {@link credentialMethods}; `undefined` for a plain object schema. */
export function credentialMethodSet(schema: z.ZodType): CredentialMethodSet | undefined {
  return methodSets.get(schema);
}

/**
 * The method of validated credentials: the registered method its `method` field names, or `undefined` for a
 * connector with a single, plain credentials object.
 */
export function methodOf(schema: z.ZodType, credentials: Record<string, unknown>): RegisteredCredentialMethod | undefined {
  const set = methodSets.get(schema);
  if (!set) return undefined;
  const id = typeof credentials['method'] === 'string' ? credentials['method'] : set.defaultMethod;
  return set.methods.find((m) => m.id === id);
}
