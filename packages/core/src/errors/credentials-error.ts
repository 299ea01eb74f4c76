import { HttpError, type HttpErrorOptions } from './http-error.js';
import { errorMarker, hasErrorMarker } from './ticketbridge-error.js';

/** Options for {@link CredentialsError}. */
export interface CredentialsErrorOptions extends HttpErrorOptions {
  /** The credentials field at fault (a key of the connector's credentials schema). */
  field?: string;
  /** The credential method in use, for connectors that offer several (`oauth_authorization_code`). */
  method?: string;
  /** True when only a new authorization fixes it (an OAuth grant revoked or expired): send the user through sign-in. */
  reauthorize?: boolean;
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

  /**
   * The credentials field a user should fix, e.g. `apiToken` or `subdomain`; `authorization` for an OAuth grant that
   * only a new sign-in renews.
   */
  readonly field: string | undefined;
  /** The credential method in use, when the connector offers several. */
  readonly method: string | undefined;
  /** True when the user must authorize again (the OAuth browser flow), not correct a typed value. */
  readonly reauthorize: boolean;

  constructor(message: string, options: CredentialsErrorOptions = {}) {
    super('credentials', message, { ...options, retryable: false });
    this.name = 'CredentialsError';
    this.field = options.field;
    this.method = options.method;
    this.reauthorize = options.reauthorize ?? false;
  }

  override toJSON() {
    return { ...super.toJSON(), ...(this.field ? { field: this.field } : {}), ...(this.method ? { method: this.method } : {}), ...(this.reauthorize ? { reauthorize: true } : {}) };
  }
}
