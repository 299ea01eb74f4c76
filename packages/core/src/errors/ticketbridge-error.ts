const marker = Symbol.for('ticketbridge.error');

/** Machine-readable error codes; a host branches on these, never on messages. */
export type TicketbridgeErrorCode =
  | 'credentials'
  | 'rate_limit'
  | 'transient'
  | 'permanent'
  | 'config'
  | 'response_shape'
  | 'webhook'
  | 'stuck_cursor'
  | 'page_limit'
  | 'response_too_large'
  | 'aborted';

/** Options shared by every Ticketbridge error. */
export interface TicketbridgeErrorOptions {
  /** The platform (connector id) the error concerns, used as the message prefix. */
  platform?: string;
  /** The underlying error. Secrets are redacted from it before it is attached. */
  cause?: unknown;
}

/**
 * Base class of every error Ticketbridge throws.
 *
 * Use {@link TicketbridgeError.isInstance} rather than `instanceof`: a plugin may bundle its own copy of core, and
 * the `Symbol.for` marker survives that where the class identity does not.
 */
export class TicketbridgeError extends Error {
  readonly [marker] = true;
  /** Stable code for programmatic handling. */
  readonly code: TicketbridgeErrorCode;
  /** The platform (connector id) this error concerns, if any. */
  readonly platform: string | undefined;

  constructor(code: TicketbridgeErrorCode, message: string, options: TicketbridgeErrorOptions = {}) {
    const prefix = options.platform ? `[ticketbridge] [${options.platform}] ` : '[ticketbridge] ';
    super(prefix + message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TicketbridgeError';
    this.code = code;
    this.platform = options.platform;
  }

  /**
   * True for any Ticketbridge error, even one created by another copy of this package. Every subclass has its own
   * `isInstance` (`HttpError.isInstance`, `CredentialsError.isInstance`...) that is true only for that class and
   * its subclasses.
   */
  static isInstance(error: unknown): error is TicketbridgeError {
    return hasErrorMarker(error, marker);
  }

  /** A plain, secret-free representation for logs, events and sync history. */
  toJSON(): { name: string; code: TicketbridgeErrorCode; message: string; platform?: string } {
    return { name: this.name, code: this.code, message: this.message, ...(this.platform ? { platform: this.platform } : {}) };
  }
}

/**
 * The marker of one error class: `Symbol.for('ticketbridge.error.<Name>')`, the same symbol in every copy of core,
 * so `isInstance` survives a plugin that bundles its own copy where `instanceof` does not.
 *
 * @internal
 */
export function errorMarker(name: string): symbol {
  return Symbol.for(`ticketbridge.error.${name}`);
}

/** @internal */
export function hasErrorMarker(error: unknown, marker: symbol): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
}
