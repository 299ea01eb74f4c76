import { HttpError, type HttpErrorOptions } from './http-error.js';

/** A failure that should pass by itself: 5xx, timeouts, resets, truncated bodies. Retried with back-off. */
export class TransientError extends HttpError {
  constructor(message: string, options: HttpErrorOptions = {}) {
    super('transient', message, { ...options, retryable: true });
    this.name = 'TransientError';
  }
}
