import { REDACTED, redactCredentials } from '../credentials/redact.js';
import type { WebhookInstructions } from '../connector/webhook.js';
import type { ConnectionStatus, StoredConnection, SyncMode, WebhookMaintenanceState } from '../store/types.js';
import type { JsonObject } from '../util/json.js';

/** How the webhook of a connection was set up. */
export type WebhookSetup =
  /** Poll mode: no webhook. */
  | { kind: 'none' }
  /**
   * The connector registered it through the platform's API. `maintenance`: how its upkeep went, for a platform whose
   * registrations expire (see `ConnectorWebhook.maintain`).
   */
  | { kind: 'registered'; maintenance?: WebhookMaintenanceState }
  /** The user must follow these steps in the platform's UI. */
  | { kind: 'manual'; instructions: WebhookInstructions };

/** A connection as hosts see it. Credentials are redacted; nothing here is secret. */
export interface Connection {
  id: string;
  platform: string;
  name?: string;
  accountName: string;
  syncMode: SyncMode;
  status: ConnectionStatus;
  statusReason?: { code: string; message: string; field?: string };
  pollIntervalMs: number;
  /** Where the platform must send webhooks; `null` in poll mode. */
  webhookUrl: string | null;
  webhookSetup: WebhookSetup;
  /** Credentials with secret fields replaced by `[redacted]`. */
  credentials: Record<string, unknown>;
  metadata: JsonObject;
  createdAt: string;
  updatedAt: string;
}

/** What `hub.connect()` returns: the connection, plus the webhook secret for manual setups, shown once. */
export interface ConnectResult extends Connection {
  /**
   * The signing secret the user must paste into the platform for manual webhook setups (host-generated secrets).
   * Not enumerable: `JSON.stringify` and loggers that walk own enumerable keys skip it.
   */
  readonly webhookSecret?: string;
}

/** The public, redacted view of a stored connection. */
export function toConnectionView(stored: StoredConnection, webhookUrl: string | null): Connection {
  const secret = stored.webhook?.secret;
  const instructions = stored.webhook?.instructions;
  const setup: WebhookSetup =
    stored.syncMode === 'poll' || !stored.webhook
      ? { kind: 'none' }
      : stored.webhook.registration
        ? { kind: 'registered', ...(stored.webhook.maintenance ? { maintenance: stored.webhook.maintenance } : {}) }
        : instructions
          ? { kind: 'manual', instructions: secret ? redactInstructions(instructions, secret) : instructions }
          : { kind: 'none' };
  return {
    id: stored.id,
    platform: stored.platform,
    ...(stored.name ? { name: stored.name } : {}),
    accountName: stored.accountName,
    syncMode: stored.syncMode,
    status: stored.status,
    ...(stored.statusReason ? { statusReason: stored.statusReason } : {}),
    pollIntervalMs: stored.pollIntervalMs,
    webhookUrl: stored.syncMode === 'poll' ? null : webhookUrl,
    webhookSetup: setup,
    credentials: redactCredentials(stored.credentials, stored.secretFields),
    metadata: stored.metadata,
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
  };
}

function redactInstructions(instructions: WebhookInstructions, secret: string): WebhookInstructions {
  return { ...instructions, steps: instructions.steps.map((s) => s.split(secret).join(REDACTED)) };
}
