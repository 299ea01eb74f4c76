export * from './fields.js';
export { describeCredentials, secretFieldNames, type CredentialsSchema, type CredentialFieldDescriptor } from './describe-credentials.js';
export { REDACTED, redactCredentials } from './redact.js';
