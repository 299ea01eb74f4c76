export type { SyncProgress, RetryPolicy } from './sync-engine.js';
export type { ImportBatch, RejectedRecord } from './sync-engine.js';
