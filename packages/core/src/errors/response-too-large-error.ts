import { HttpError, type HttpErrorOptions } from './http-error.js';
import { errorMarker, hasErrorMarker } from './ticketbridge-error.js';

/** Options for {@link ResponseTooLargeError}. */
export interface ResponseTooLargeErrorOptions extends HttpErrorOptions {
  /** The cap that was exceeded, in bytes (the request's effective `maxResponseBytes`). */
  limitBytes: number;
}

const marker = errorMarker('ResponseTooLargeError');

/**
 * A platform (or a proxy in front of it) answered with a body larger than `maxResponseBytes`, declared by its
 * `content-length` or found while reading. The client stopped reading and released the connection, so an endless
 * or huge body cannot exhaust the process's memory. Never retried: the same page would be just as large; the run
 * fails and the cursor stays where the last good page left it. Raise the cap for that connector or request
 * (`HttpConfig.maxResponseBytes`, `HttpRequestOptions.maxResponseBytes`) if the platform's pages are that big.
 */
export class ResponseTooLargeError extends HttpError {
  readonly [marker] = true;

  /** True for a ResponseTooLargeError (or a subclass), even one created by another copy of this package. */
  static override isInstance(error: unknown): error is ResponseTooLargeError {
    return hasErrorMarker(error, marker);
  }

  /** The cap that was exceeded, in bytes. */
  readonly limitBytes: number;

  constructor(message: string, options: ResponseTooLargeErrorOptions) {
    super('response_too_large', message, { ...options, retryable: false });
    this.name = 'ResponseTooLargeError';
    this.limitBytes = options.limitBytes;
  }

  override toJSON() {
    return { ...super.toJSON(), limitBytes: this.limitBytes };
  }
}
