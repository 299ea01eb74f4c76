import { HttpError, type HttpErrorOptions } from './http-error.js';

/** A failure that retrying will not fix (4xx other than auth and rate limits). The run fails; the cursor is kept. */
export class PermanentError extends HttpError {
  constructor(message: string, options: HttpErrorOptions = {}) {
    super('permanent', message, { ...options, retryable: false });
    this.name = 'PermanentError';
  }
}
