import type { TicketDraft } from '../model/ticket.js';
/** One page of an incremental pull; `TCursor` is what the connector's `cursor` schema describes. */
export interface PullPage<TCursor = unknown> {
  /** The tickets of this page, normalized. Deleted tickets have `deleted: true`. */
  tickets: TicketDraft[];
  /**
   * Where to continue from. The engine saves it only after the host has handled every ticket of this page, so
   * after a crash the pull resumes here. Opaque to the core, but it must be JSON and pass the connector's `cursor`
   * schema: the engine refuses to commit one that does not.
   */
  nextCursor: TCursor;
  /** The platform's total count of matching tickets, where it reports one (for progress and ETA). */
  total?: number;
}
