import { errorMarker, hasErrorMarker, TicketbridgeError, type TicketbridgeErrorCode, type TicketbridgeErrorOptions } from './ticketbridge-error.js';

/** Options for {@link HttpError}. */
export interface HttpErrorOptions extends TicketbridgeErrorOptions {
  /** HTTP status, when a response was received. */
  status?: number;
  /** Request method and path (never the query string, which may carry secrets on some platforms). */
  request?: string;
  /** The platform's own error message, kept so users can act on it (secrets redacted). */
  platformMessage?: string;
  /** Whether retrying the same request later can succeed. */
  retryable?: boolean;
  /** How long the platform asked us to wait, in milliseconds. */
  retryAfterMs?: number;
}

const marker = errorMarker('HttpError');

/** An error that came from an HTTP exchange with a platform. */
export class HttpError extends TicketbridgeError {
  readonly [marker] = true;

  /** True for an HttpError (or a subclass), even one created by another copy of this package. */
  static override isInstance(error: unknown): error is HttpError {
    return hasErrorMarker(error, marker);
  }

  /** HTTP status, or undefined for network failures. */
  readonly status: number | undefined;
  /** `METHOD /path` of the failed request. */
  readonly request: string | undefined;
  /** The platform's message, if it sent one. */
  readonly platformMessage: string | undefined;
  /** Whether the same request may succeed later. */
  readonly retryable: boolean;
  /** Wait the platform asked for, in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(code: TicketbridgeErrorCode, message: string, options: HttpErrorOptions = {}) {
    super(code, message, options);
    this.name = 'HttpError';
    this.status = options.status;
    this.request = options.request;
    this.platformMessage = options.platformMessage;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }

  override toJSON() {
    return {
      ...super.toJSON(),
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(this.request ? { request: this.request } : {}),
      ...(this.platformMessage ? { platformMessage: this.platformMessage } : {}),
      retryable: this.retryable,
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
    };
  }
}
