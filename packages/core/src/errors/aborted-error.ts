import { errorMarker, hasErrorMarker, TicketbridgeError, type TicketbridgeErrorOptions } from './ticketbridge-error.js';

/** Options for {@link AbortedError}. */
export interface AbortedErrorOptions extends TicketbridgeErrorOptions {
  /** What stopped the work. */
  reason: 'paused' | 'disconnected' | 'closed';
}

const marker = errorMarker('AbortedError');

/**
 * Work stopped on purpose: the connection was paused or disconnected, or the hub closed. Nothing failed, so the
 * run is recorded as aborted, never retried, and the connection is not marked in error; the cursor stays at the
 * last committed page.
 */
export class AbortedError extends TicketbridgeError {
  readonly [marker] = true;

  /** True for an AbortedError, even one created by another copy of this package. */
  static override isInstance(error: unknown): error is AbortedError {
    return hasErrorMarker(error, marker);
  }

  /** What stopped the work. */
  readonly reason: AbortedErrorOptions['reason'];

  constructor(message: string, options: AbortedErrorOptions) {
    super('aborted', message, options);
    this.name = 'AbortedError';
    this.reason = options.reason;
  }

  override toJSON() {
    return { ...super.toJSON(), reason: this.reason };
  }
}
