import { HttpError, type HttpErrorOptions } from './http-error.js';
import { errorMarker, hasErrorMarker } from './ticketbridge-error.js';

const marker = errorMarker('ResponseShapeError');

/**
 * A platform answered with a body that does not match the schema of the fields we read. Permanent: the API
 * changed or the endpoint is wrong, and a retry would see the same body.
 */
export class ResponseShapeError extends HttpError {
  readonly [marker] = true;

  /** True for a ResponseShapeError (or a subclass), even one created by another copy of this package. */
  static override isInstance(error: unknown): error is ResponseShapeError {
    return hasErrorMarker(error, marker);
  }

  /** Where in the body the mismatch is, as zod reports it (no values, so no data leaks). */
  readonly issues: string[];

  constructor(message: string, options: HttpErrorOptions & { issues?: string[] } = {}) {
    super('response_shape', message, { ...options, retryable: false });
    this.name = 'ResponseShapeError';
    this.issues = options.issues ?? [];
  }
}
