/**
 * A durable, embedded {@link SqliteStore} for Ticketbridge: one SQLite file in WAL mode, versioned migrations,
 * credentials sealed with AES-256-GCM under a key the host provides.
 *
 * @packageDocumentation
 */
export { SqliteStore, DEFAULT_PAGE_CACHE_MIB, DEFAULT_RUN_RETENTION, DEFAULT_VERSION_RETENTION_MS, type SqliteStoreOptions, type SqliteStoreInfo } from './sqlite-store.js';
export { MIN_PASSPHRASE_LENGTH, type StoreKey } from '@ticketbridge/core';
export { SCHEMA_VERSION } from './migrations.js';
