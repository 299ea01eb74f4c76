import type { TicketDraft } from '../model/ticket.js';
import type { JsonValue } from '../util/json.js';

/** One page of an incremental pull. */
export interface PullPage {
  /** The tickets of this page, normalized. Deleted tickets have `deleted: true`. */
  tickets: TicketDraft[];
  /**
   * Where to continue from. The engine saves it only after the host has handled every ticket of this page, so
   * after a crash the pull resumes here. Opaque to the core; must be JSON.
   */
  nextCursor: JsonValue;
  /** The platform's total count of matching tickets, where it reports one (for progress and ETA). */
  total?: number;
}
