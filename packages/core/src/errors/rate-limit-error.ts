import { HttpError, type HttpErrorOptions } from './http-error.js';

/** The platform rate-limited us beyond what the HTTP layer was allowed to wait. Retried later by the engine. */
export class RateLimitError extends HttpError {
  constructor(message: string, options: HttpErrorOptions = {}) {
    super('rate_limit', message, { ...options, retryable: true });
    this.name = 'RateLimitError';
  }
}
