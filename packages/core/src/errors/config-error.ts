import { TicketbridgeError, type TicketbridgeErrorOptions } from './ticketbridge-error.js';

/** The host or a plugin is configured wrongly (bad option, duplicate connector id, invalid credentials shape). */
export class ConfigError extends TicketbridgeError {
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
