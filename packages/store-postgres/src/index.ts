/**
 * A {@link PostgresStore} for Ticketbridge hosts that run several worker processes on one PostgreSQL database:
 * versioned migrations under an advisory lock, page commits in one statement, leased locks judged by the database's
 * clock, credentials sealed with AES-256-GCM under a key the host provides.
 *
 * @packageDocumentation
 */
export {
  PostgresStore,
  DEFAULT_RUN_RETENTION,
  DEFAULT_VERSION_RETENTION_MS,
  DEFAULT_SCHEMA,
  type PostgresStoreOptions,
  type PostgresPoolOptions,
  type PostgresStoreStats,
  type PostgresStoreInfo,
} from './postgres-store.js';
export { MIN_PASSPHRASE_LENGTH, type StoreKey } from './sealer.js';
export { SCHEMA_VERSION } from './migrations.js';
