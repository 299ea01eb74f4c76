import type { SyncRun, SyncTrigger } from '../store/types.js';
import type { JsonValue } from '../util/json.js';

/** A history record for a run that is starting: every counter at zero, the cursor it starts from on both ends. */
export function newSyncRun(options: { id: string; connectionId: string; trigger: SyncTrigger; startedAt: string; attempt: number; cursor: JsonValue | null }): SyncRun {
  return {
    id: options.id,
    connectionId: options.connectionId,
    trigger: options.trigger,
    status: 'running',
    startedAt: options.startedAt,
    ticketsSynced: 0,
    duplicatesDropped: 0,
    pages: 0,
    requests: 0,
    rateLimited: 0,
    rateLimitWaitMs: 0,
    errors: [],
    retries: [],
    attempt: options.attempt,
    cursorBefore: options.cursor,
    cursorAfter: options.cursor,
  };
}
