export type { WebhookResponse, WebhookRejection, RawWebhookRequest } from './webhook-router.js';
