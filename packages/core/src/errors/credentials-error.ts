import { HttpError, type HttpErrorOptions } from './http-error.js';
import { errorMarker, hasErrorMarker } from './ticketbridge-error.js';

/** Options for {@link CredentialsError}. */
export interface CredentialsErrorOptions extends HttpErrorOptions {
  /** The credentials field at fault (a key of the connector's credentials schema). */
  field?: string;
}

const marker = errorMarker('CredentialsError');

/**
 * The platform refused the credentials, or they are malformed. Never retried: the connection is marked and the
 * user must fix {@link CredentialsError.field}.
 */
export class CredentialsError extends HttpError {
  readonly [marker] = true;

  /** True for a CredentialsError (or a subclass), even one created by another copy of this package. */
  static override isInstance(error: unknown): error is CredentialsError {
    return hasErrorMarker(error, marker);
  }

  /** The credentials field a user should fix, e.g. `apiToken` or `subdomain`. */
  readonly field: string | undefined;

  constructor(message: string, options: CredentialsErrorOptions = {}) {
    super('credentials', message, { ...options, retryable: false });
    this.name = 'CredentialsError';
    this.field = options.field;
  }

  override toJSON() {
    return { ...super.toJSON(), ...(this.field ? { field: this.field } : {}) };
  }
}
