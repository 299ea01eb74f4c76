import { HttpError, type HttpErrorOptions } from './http-error.js';

/**
 * A platform answered with a body that does not match the schema of the fields we read. Permanent: the API
 * changed or the endpoint is wrong, and a retry would see the same body.
 */
export class ResponseShapeError extends HttpError {
  /** Where in the body the mismatch is, as zod reports it (no values, so no data leaks). */
  readonly issues: string[];

  constructor(message: string, options: HttpErrorOptions & { issues?: string[] } = {}) {
    super('response_shape', message, { ...options, retryable: false });
    this.name = 'ResponseShapeError';
    this.issues = options.issues ?? [];
  }
}
