import { HttpError, type HttpErrorOptions } from './http-error.js';
import { errorMarker, hasErrorMarker } from './ticketbridge-error.js';

const marker = errorMarker('TransientError');

/** A failure that should pass by itself: 5xx, timeouts, resets, truncated bodies. Retried with back-off. */
export class TransientError extends HttpError {
  readonly [marker] = true;

  /** True for a TransientError (or a subclass), even one created by another copy of this package. */
  static override isInstance(error: unknown): error is TransientError {
    return hasErrorMarker(error, marker);
  }

  constructor(message: string, options: HttpErrorOptions = {}) {
    super('transient', message, { ...options, retryable: true });
    this.name = 'TransientError';
  }
}
