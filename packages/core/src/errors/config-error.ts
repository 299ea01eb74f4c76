import { errorMarker, hasErrorMarker, TicketbridgeError, type TicketbridgeErrorOptions } from './ticketbridge-error.js';

const marker = errorMarker('ConfigError');

/** The host or a plugin is configured wrongly (bad option, duplicate connector id, invalid credentials shape). */
export class ConfigError extends TicketbridgeError {
  readonly [marker] = true;

  /** True for a ConfigError (or a subclass), even one created by another copy of this package. */
  static override isInstance(error: unknown): error is ConfigError {
    return hasErrorMarker(error, marker);
  }

  /** The option or credentials field at fault, when there is one. */
  readonly field: string | undefined;

  constructor(message: string, options: TicketbridgeErrorOptions & { field?: string } = {}) {
    super('config', message, options);
    this.name = 'ConfigError';
    this.field = options.field;
  }

  override toJSON() {
    return { ...super.toJSON(), ...(this.field ? { field: this.field } : {}) };
  }
}
