import type { TicketEvent } from '../model/ticket.js';
import type { RecordedError, StoredConnection, SyncRun } from '../store/types.js';
import type { SyncProgress } from '../sync/sync-engine.js';
import type { WebhookRejection } from '../webhooks/webhook-router.js';
import type { WebhookMaintained } from '../connection/webhook-maintenance.js';
import type { InboxEntry } from '../store/types.js';

/**
 * Events a hub emits. `ticket` listeners are awaited in order: a page's cursor is saved only after every listener
 * resolved for every ticket of the page, so a listener that throws makes the page (or webhook) replay later.
 */
export interface HubEvents {
  /** A new version of a ticket. */
  ticket: (event: TicketEvent) => void | Promise<void>;
  'sync.started': (run: SyncRun) => void;
  /** After each page: pages, tickets, the platform's total, rate-limit wait, observed rate and ETA. */
  'sync.progress': (progress: SyncProgress) => void;
  'sync.finished': (run: SyncRun) => void;
  /** A run failed; `willRetry` says whether the engine scheduled a retry (`run.nextRetryAt`). */
  'sync.failed': (run: SyncRun, error: RecordedError, willRetry: boolean) => void;
  /** A webhook was refused (404/401/400/413/405); nothing else was emitted for it. */
  'webhook.rejected': (rejection: WebhookRejection) => void;
  /** A webhook was verified and stored in the inbox; its tickets follow as `ticket` events. */
  'webhook.accepted': (entry: { connectionId: string; inboxId: string; tickets: number }) => void;
  /**
   * A connector's upkeep of a registered webhook ran (Jira's dynamic webhooks expire unless refreshed): whether the
   * registration is alive, the redacted error of a failed run, and when the next run is due.
   */
  'webhook.maintained': (result: WebhookMaintained) => void;
  /** The platform rate-limited a request (429) or asked us to slow down. */
  rateLimited: (info: { connectionId: string; waitMs: number; status?: number }) => void;
  /** A connection stopped syncing because its credentials were refused. */
  'connection.error': (connection: { id: string; platform: string; reason: StoredConnection['statusReason'] }) => void;
  /** Background work failed outside a sync run (inbox processing); the work is retried. */
  error: (error: { message: string; connectionId?: string; inboxId?: string }) => void;
}

export type { InboxEntry, WebhookMaintained };
