import { HttpError, type HttpErrorOptions } from './http-error.js';
import { errorMarker, hasErrorMarker } from './ticketbridge-error.js';

const marker = errorMarker('PermanentError');

/** A failure that retrying will not fix (4xx other than auth and rate limits). The run fails; the cursor is kept. */
export class PermanentError extends HttpError {
  readonly [marker] = true;

  /** True for a PermanentError (or a subclass), even one created by another copy of this package. */
  static override isInstance(error: unknown): error is PermanentError {
    return hasErrorMarker(error, marker);
  }

  constructor(message: string, options: HttpErrorOptions = {}) {
    super('permanent', message, { ...options, retryable: false });
    this.name = 'PermanentError';
  }
}
