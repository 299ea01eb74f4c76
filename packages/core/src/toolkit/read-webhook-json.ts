import type { z } from 'zod';
import type { WebhookRequest } from '../connector/webhook.js';
import { TicketbridgeError } from '../errors/ticketbridge-error.js';

/** Options of {@link readWebhookJson}. */
export interface ReadWebhookJsonOptions {
  /** Connector id, for the error message prefix. */
  platform: string;
  /** What the body should be, for the error message: `'an array of events'`, `'a ticket event'`. */
  expected: string;
}

/**
 * Parses a verified webhook body as JSON and validates it against the payload's schema, for `webhook.parse`. A body
 * that is not JSON, or not the payload, throws a `TicketbridgeError` with code `webhook`, which the router answers
 * with 400; the message names the schema paths at fault, never the values (they may be personal data).
 *
 * @example
 * const events = readWebhookJson(request, z.array(HubSpotWebhookEvent), { platform: 'hubspot', expected: 'an array of events' });
 */
export function readWebhookJson<T>(request: WebhookRequest, schema: z.ZodType<T>, options: ReadWebhookJsonOptions): T {
  let json: unknown;
  try {
    json = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    throw new TicketbridgeError('webhook', `webhook body is not JSON`, { platform: options.platform });
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const paths = parsed.error.issues.slice(0, 10).map((issue) => issue.path.map(String).join('.') || '(root)');
  throw new TicketbridgeError('webhook', `webhook body is not ${options.expected} (at ${[...new Set(paths)].join(', ')})`, { platform: options.platform });
}
