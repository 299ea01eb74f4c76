/** What a signer sees: the request exactly as it will be sent. */
export interface WebhookSigningInput {
  method: string;
  /** The full target URL, exactly as requested (HubSpot v2/v3 sign it). */
  url: string;
  /** The exact body bytes. */
  body: Buffer;
  /** The sending time (platforms put it in a header and sign it). */
  timestamp: Date;
}

/** Options of {@link sendWebhook}. */
export interface SendWebhookOptions {
  url: string;
  /** Objects are sent as JSON; strings and buffers as they are. */
  body: unknown;
  /** Default `POST`. */
  method?: string;
  headers?: Record<string, string>;
  /** Returns the signature headers for this request (build them with the signers in `webhook-signers.ts`). */
  sign?: (input: WebhookSigningInput) => Record<string, string>;
  /** Sending time (default now); fix it to test replay windows. */
  timestamp?: Date;
}

/** A host's answer to a webhook. */
export interface WebhookDelivery {
  status: number;
  body: string;
  headers: Headers;
}

/**
 * Posts a webhook to a host the way a platform does: exact body bytes, the platform's signature headers, and the
 * host's status and body returned for assertions. Uses the real `fetch` over loopback.
 *
 * @example
 * ```ts
 * await sendWebhook({
 *   url: conn.webhookUrl,
 *   body: { event: 'ticket.updated', ticket_id: '42' },
 *   sign: ({ body, timestamp }) => {
 *     const ts = String(Math.floor(timestamp.getTime() / 1000));
 *     return { 'x-acme-timestamp': ts, 'x-acme-signature': signHmacSha256Hex({ secret, payload: `${ts}.${body}` }) };
 *   },
 * });
 * ```
 */
export async function sendWebhook(options: SendWebhookOptions): Promise<WebhookDelivery> {
  const method = options.method ?? 'POST';
  const raw = options.body;
  const isJson = raw !== undefined && typeof raw !== 'string' && !Buffer.isBuffer(raw);
  const body = raw === undefined ? Buffer.alloc(0) : Buffer.isBuffer(raw) ? raw : Buffer.from(typeof raw === 'string' ? raw : JSON.stringify(raw));
  const headers: Record<string, string> = { ...(isJson ? { 'content-type': 'application/json' } : {}), ...options.headers };
  Object.assign(headers, options.sign?.({ method, url: options.url, body, timestamp: options.timestamp ?? new Date() }));
  const response = await fetch(options.url, { method, headers, ...(method === 'GET' || method === 'HEAD' ? {} : { body: new Uint8Array(body) }) });
  return { status: response.status, body: await response.text(), headers: response.headers };
}
