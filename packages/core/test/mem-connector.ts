import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { defineConnector, secretField, subdomainField, CredentialsError, TicketbridgeError, TransientError, type TicketDraft, type JsonValue } from '../src/index.js';
import { createTestDraft } from '../src/testing.js';
import { hmacSignature } from '../src/toolkit.js';

/** `t=<unix s>,v1=<hex HMAC-SHA256 of "t.body">` in `X-Mem-Signature` (Stripe's layout). */
export const memSignature = hmacSignature({
  algorithm: 'sha256',
  encoding: 'hex',
  signature: { header: 'x-mem-signature', prefix: 'v1=', separator: ',' },
  timestamp: { header: 'x-mem-signature', key: 't', format: 'epoch-seconds' },
  signed: ['timestamp', { text: '.' }, 'body'],
});
/** A bare hex HMAC of the body, covering no time (like HubSpot v1). */
const memLegacySignature = hmacSignature({ algorithm: 'sha256', encoding: 'hex', signature: { header: 'x-mem-signature' }, signed: ['body'] });

/** A platform that lives in memory: enough to exercise the engine and router without a simulator. */
export class MemDesk {
  tickets = new Map<string, TicketDraft>();
  clock = Date.parse('2026-01-01T00:00:00Z');
  /** Pages are this long. */
  pageSize = 10;
  /** Throw this from the next pull page. */
  failNext: Error | undefined;
  total = true;

  add(n: number): string[] {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = String(this.tickets.size + 1);
      this.tickets.set(id, draft(id, (this.clock += 1000)));
      ids.push(id);
    }
    return ids;
  }
  change(id: string, patch: Partial<TicketDraft>): TicketDraft {
    const t = { ...this.tickets.get(id)!, ...patch, updatedAt: new Date((this.clock += 1000)).toISOString() };
    this.tickets.set(id, t);
    return t;
  }
  /** `t=<unix s>,v1=<hex HMAC of "t.body">`: a signature that covers its timestamp (Stripe's layout). */
  sign(body: string, secret: string, at = Date.now()): string {
    const t = Math.floor(at / 1000);
    return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
  }
  /** A bare hex HMAC of the body: a legacy scheme that covers no time, like HubSpot v1. */
  signLegacy(body: string, secret: string): string {
    return createHmac('sha256', secret).update(body).digest('hex');
  }
}

export function draft(id: string, at: number): TicketDraft {
  const time = new Date(at).toISOString();
  return createTestDraft({ externalId: id, platform: 'memdesk', url: `https://mem.example/t/${id}`, createdAt: time, updatedAt: time });
}

export const GOOD_TOKEN = 'memdesk-token-0123456789';

export function memConnector(desk: MemDesk) {
  return defineConnector({
    contractVersion: 1,
    id: 'memdesk',
    displayName: 'MemDesk',
    credentials: z.object({
      subdomain: subdomainField({ label: 'Subdomain', suffix: '.mem.example' }),
      apiToken: secretField({ label: 'API token' }),
    }),
    http: (c) => ({ baseUrl: `https://${c.subdomain}.mem.example/api`, headers: { authorization: `Bearer ${c.apiToken}` }, authField: 'apiToken' }),
    async testConnection(ctx) {
      if (ctx.credentials.apiToken !== GOOD_TOKEN) throw new CredentialsError(`token ${ctx.credentials.apiToken} refused`, { field: 'apiToken', platform: 'memdesk' });
      return { accountName: `${ctx.credentials.subdomain}.mem.example`, metadata: { plan: 'pro' } };
    },
    cursor: z.object({ after: z.string() }),
    async *pull(ctx, { cursor }) {
      const after = cursor?.after ?? '';
      const sorted = [...desk.tickets.values()].sort((a, b) => (a.updatedAt + a.externalId < b.updatedAt + b.externalId ? -1 : 1));
      const rest = sorted.filter((t) => t.updatedAt + t.externalId > after);
      for (let i = 0; i < rest.length; i += desk.pageSize) {
        if (ctx.credentials.apiToken !== GOOD_TOKEN) throw new CredentialsError(`token ${ctx.credentials.apiToken} revoked`, { field: 'apiToken' });
        if (desk.failNext) {
          const e = desk.failNext;
          desk.failNext = undefined;
          throw e;
        }
        const page = rest.slice(i, i + desk.pageSize);
        const last = page[page.length - 1]!;
        yield { tickets: page, nextCursor: { after: last.updatedAt + last.externalId }, ...(desk.total ? { total: rest.length } : {}) };
      }
    },
    async fetchTicket(_ctx, { externalId }) {
      return desk.tickets.get(externalId) ?? null;
    },
    webhook: {
      secretSource: 'host',
      // A `t=` signature covers its time; a bare one (legacy) does not, and the router then checks event times.
      verify: (_ctx, { request: req, secret }) => (/^t=\d+,/.test(req.headers['x-mem-signature'] ?? '') ? memSignature : memLegacySignature).verify(req, secret),
      parse(_ctx, { request: req }) {
        const body = JSON.parse(req.rawBody.toString('utf8')) as { ids: string[]; at?: string };
        if (!Array.isArray(body.ids)) throw new TicketbridgeError('webhook', 'no ids');
        return body.ids.map((externalId) => ({ kind: 'ref' as const, externalId, ...(body.at ? { occurredAt: body.at } : {}) }));
      },
      instructions: (_ctx, target) => ({ title: 'Add a webhook in MemDesk', steps: [`URL: ${target.url}`, `Secret: ${target.secret}`] }),
    },
  });
}
