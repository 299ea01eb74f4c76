export { TicketbridgeError, type TicketbridgeErrorCode, type TicketbridgeErrorOptions } from './ticketbridge-error.js';
export { HttpError, type HttpErrorOptions } from './http-error.js';
export { CredentialsError, type CredentialsErrorOptions } from './credentials-error.js';
export { RateLimitError } from './rate-limit-error.js';
export { TransientError } from './transient-error.js';
export { PermanentError } from './permanent-error.js';
export { ResponseShapeError } from './response-shape-error.js';
export { ResponseTooLargeError, type ResponseTooLargeErrorOptions } from './response-too-large-error.js';
export { ConfigError } from './config-error.js';
