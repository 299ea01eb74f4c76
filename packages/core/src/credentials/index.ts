export * from './fields.js';
export {
  describeCredentials,
  describeCredentialMethods,
  secretFieldNames,
  type CredentialsSchema,
  type CredentialFieldDescriptor,
  type CredentialMethodDescriptor,
} from './describe-credentials.js';
export {
  credentialMethod,
  credentialMethods,
  type AnyCredentialMethod,
  type CredentialMethodDefinition,
  type CredentialMethodDeprecation,
  type CredentialMethodsSchema,
  type CredentialsOfMethods,
} from './credential-methods.js';
export { REDACTED, Redactor, redactCredentials } from './redact.js';
export type { OAuthClientConfig, OAuthClientSource, OAuthGrant, OAuthMethodConfig } from './oauth-method.js';
