import { HttpError, type HttpErrorOptions } from './http-error.js';
import { errorMarker, hasErrorMarker } from './ticketbridge-error.js';

const marker = errorMarker('RateLimitError');

/** The platform rate-limited us beyond what the HTTP layer was allowed to wait. Retried later by the engine. */
export class RateLimitError extends HttpError {
  readonly [marker] = true;

  /** True for a RateLimitError (or a subclass), even one created by another copy of this package. */
  static override isInstance(error: unknown): error is RateLimitError {
    return hasErrorMarker(error, marker);
  }

  constructor(message: string, options: HttpErrorOptions = {}) {
    super('rate_limit', message, { ...options, retryable: true });
    this.name = 'RateLimitError';
  }
}
