export { WebhookRouter, tombstone, type WebhookResponse, type WebhookRejection, type RawWebhookRequest } from './webhook-router.js';
