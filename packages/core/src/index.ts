/**
 * Ticketbridge core: the connector contract, the normalized ticket model, the HTTP layer, the sync engine, the
 * webhook router, the state store and the hub that ties them together.
 *
 * @packageDocumentation
 */
export * from './errors/index.js';
export * from './model/index.js';
export * from './credentials/index.js';
export * from './auth/index.js';
export * from './connector/index.js';
export * from './store/index.js';
export type { JsonValue, JsonObject } from './util/json.js';
export { type Logger, silentLogger, consoleLogger } from './util/logger.js';
export * from './http/index.js';
export * from './hub/index.js';
export * from './sync/index.js';
export * from './connection/index.js';
export * from './scheduler/index.js';
export * from './webhooks/index.js';
