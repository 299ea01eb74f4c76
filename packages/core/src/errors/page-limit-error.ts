import { errorMarker, hasErrorMarker, TicketbridgeError, type TicketbridgeErrorOptions } from './ticketbridge-error.js';

/** Options for {@link PageLimitError}. */
export interface PageLimitErrorOptions extends TicketbridgeErrorOptions {
  /** The limit that was reached (`maxPagesPerRun`). */
  limit: number;
}

const marker = errorMarker('PageLimitError');

/**
 * A sync run read `maxPagesPerRun` pages and stopped: the bound on what no other check catches (a cursor that
 * advances forever, a runaway connector). Every page before it was delivered and checkpointed, so the next run
 * resumes where this one stopped; a real backlog larger than the limit simply takes several runs.
 */
export class PageLimitError extends TicketbridgeError {
  readonly [marker] = true;

  /** True for a PageLimitError (or a subclass), even one created by another copy of this package. */
  static override isInstance(error: unknown): error is PageLimitError {
    return hasErrorMarker(error, marker);
  }

  /** The limit that was reached. */
  readonly limit: number;

  constructor(message: string, options: PageLimitErrorOptions) {
    super('page_limit', message, options);
    this.name = 'PageLimitError';
    this.limit = options.limit;
  }

  override toJSON() {
    return { ...super.toJSON(), limit: this.limit };
  }
}
