import { signHubSpotV1, signHubSpotV3, type SimulatorWebhooks } from '@ticketbridge/core/testing';
import type { SimState } from './state.js';

/** Webhook sending with HubSpot's batch format and signatures. */
export interface HubSpotSimulatorWebhooks extends SimulatorWebhooks {
  /**
   * Sends an arbitrary array of events (signed) to `url`. `timestamp` (epoch ms) backdates the v3 signature;
   * `omitV3` leaves out `X-HubSpot-Signature-v3` and its timestamp, as an attacker replaying a captured request with
   * only its v1 header would.
   */
  send(url: string, events: unknown[], options?: { secret?: string; forge?: boolean; timestamp?: number; omitV3?: boolean }): Promise<{ status: number; body: string }>;
}

/**
 * HubSpot's webhook deliveries: a JSON array of thin events (no ticket snapshot) signed with v1 and v3, as HubSpot's
 * webhooks documentation shows them. Signatures come from the testing kit's own signers, not the connector's.
 */
export function createWebhookSender(o: { state: SimState; portalId: number; clientSecret: string }): HubSpotSimulatorWebhooks {
  const { state, portalId, clientSecret } = o;

  async function send(url: string, events: unknown[], s: { secret?: string; forge?: boolean; timestamp?: number; omitV3?: boolean } = {}) {
    const body = JSON.stringify(events);
    const secret = s.forge ? `forged-${s.secret ?? clientSecret}` : (s.secret ?? clientSecret);
    const timestamp = String(s.timestamp ?? Date.now());
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/) - WebhooksExecutorDaemon-executor',
        'x-hubspot-signature-version': 'v1',
        'x-hubspot-signature': signHubSpotV1({ secret, body }),
        ...(s.omitV3 ? {} : { 'x-hubspot-signature-v3': signHubSpotV3({ secret, method: 'POST', uri: url, body, timestamp }), 'x-hubspot-request-timestamp': timestamp }),
        'x-hubspot-timeout-millis': '10000',
      },
      body,
    });
    return { status: res.status, body: await res.text() };
  }

  let eventId = 100;
  return {
    send,
    async deliver(url, externalIds, d = {}) {
      const kind = d.event ?? 'updated';
      if (kind === 'deleted') {
        const at = state.now();
        for (const id of externalIds) {
          const t = state.tickets.get(id);
          if (t && t.archivedAt === null) t.archivedAt = at;
        }
      }
      const events = externalIds.map((id) => {
        const t = state.tickets.get(id);
        const occurredAt = kind === 'deleted' ? (t?.archivedAt ?? Date.now()) : (t?.modifiedAt ?? Date.now());
        const common = { eventId: eventId++, subscriptionId: 2_345_678, portalId, appId: 987_654, occurredAt, attemptNumber: 0, objectId: Number(id), changeSource: 'CRM_UI', sourceId: 'userId:45678' };
        if (kind === 'created') return { ...common, subscriptionType: 'ticket.creation', changeFlag: 'CREATED' };
        if (kind === 'deleted') return { ...common, subscriptionType: 'ticket.deletion', changeFlag: 'DELETED' };
        // Stageless tickets change only their priority, so that is the property the event names.
        const stage = t?.props['hs_pipeline_stage'];
        return stage === undefined
          ? { ...common, subscriptionType: 'ticket.propertyChange', propertyName: 'hs_ticket_priority', propertyValue: t?.props['hs_ticket_priority'] ?? '' }
          : { ...common, subscriptionType: 'ticket.propertyChange', propertyName: 'hs_pipeline_stage', propertyValue: stage };
      });
      return send(url, events, { ...(d.secret ? { secret: d.secret } : {}), ...(d.forge ? { forge: true } : {}), ...(d.sentAt ? { timestamp: d.sentAt.getTime() } : {}) });
    },
  };
}
