import { errorMarker, hasErrorMarker, TicketbridgeError, type TicketbridgeErrorOptions } from './ticketbridge-error.js';

/** Options for {@link StuckCursorError}. */
export interface StuckCursorErrorOptions extends TicketbridgeErrorOptions {
  /** The cursor that came back, as JSON (cut to 200 characters). */
  cursor: string;
}

const marker = errorMarker('StuckCursorError');

/**
 * A sync walked back to a cursor it had already been at (the platform kept answering the same `next_cursor`, or
 * a connector kept yielding it): the run stops instead of requesting the same pages forever. Not retried by the
 * run's retry policy (a retry would start from the same cursor and loop again); the next scheduled poll tries once
 * more, so a platform glitch heals by itself and a lasting one shows in every run's history.
 */
export class StuckCursorError extends TicketbridgeError {
  readonly [marker] = true;

  /** True for a StuckCursorError (or a subclass), even one created by another copy of this package. */
  static override isInstance(error: unknown): error is StuckCursorError {
    return hasErrorMarker(error, marker);
  }

  /** The repeated cursor, as JSON (cut to 200 characters). */
  readonly cursor: string;

  constructor(message: string, options: StuckCursorErrorOptions) {
    super('stuck_cursor', message, options);
    this.name = 'StuckCursorError';
    this.cursor = options.cursor;
  }

  override toJSON() {
    return { ...super.toJSON(), cursor: this.cursor };
  }
}
