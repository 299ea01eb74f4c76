export { SyncEngine, type SyncEngineOptions, type SyncProgress, type RetryPolicy } from './sync-engine.js';
export { versionFingerprint, idempotencyKey } from './versioning.js';
export type { TicketSink } from './deliver.js';

