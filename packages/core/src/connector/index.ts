export * from './connector.js';
export * from './connector-context.js';
export * from './http-client.js';
export * from './http-config.js';
export * from './pull-page.js';
export * from './rate-limit-headers.js';
export * from './webhook.js';
