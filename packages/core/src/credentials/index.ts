export * from './fields.js';
export * from './describe-credentials.js';
export * from './redact.js';
