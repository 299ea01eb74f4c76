export type { SyncProgress, RetryPolicy } from './sync-engine.js';
