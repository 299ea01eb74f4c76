import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestContext } from '@ticketbridge/core/testing';
import { describe, expect, it } from 'vitest';
import { zendesk, zendeskAuthorization } from '../src/index.js';
import { startZendeskSimulator, type ZendeskSimulator } from '../src/testing.js';
import { pullAll, withSimulator } from './helpers.js';

// The simulator is checked against Zendesk's documentation here, over loopback HTTP, independently of the connector.

async function get(sim: ZendeskSimulator, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${sim.url}${path}`, { headers: { authorization: zendeskAuthorization(sim.credentials()) } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function post(sim: ZendeskSimulator, path: string, json: unknown) {
  const res = await fetch(`${sim.url}${path}`, { method: 'POST', headers: { authorization: zendeskAuthorization(sim.credentials()), 'content-type': 'application/json' }, body: JSON.stringify(json) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

type Json = Record<string, unknown>;
const CLOCK = '2026-03-01T12:00:00Z';

async function exportAll(sim: ZendeskSimulator): Promise<Json[]> {
  const page = await get(sim, '/api/v2/incremental/tickets/cursor.json?start_time=0');
  return page.body.tickets as Json[];
}

describe('real variety, deterministic from the seed', () => {
  it('the same seed gives the same tickets (time fields aside); another seed does not', async () => {
    const bodies: string[] = [];
    for (const seed of [5, 5, 6]) {
      await withSimulator({ seed, clockStart: CLOCK }, async (sim) => {
        await sim.seed(50);
        // The clock runs with real time, so the time fields depend on when the test runs; everything else may not.
        const tickets = (await exportAll(sim)).map(({ created_at: _c, updated_at: _u, generated_timestamp: _g, ...rest }) => rest);
        bodies.push(JSON.stringify(tickets));
      });
    }
    expect(bodies[0]).toBe(bodies[1]);
    expect(bodies[0]).not.toBe(bodies[2]);
  });

  it('tickets carry null tags, empty text, absent members and properties nobody asked for', async () => {
    await withSimulator({ seed: 3, clockStart: CLOCK }, async (sim) => {
      await sim.seed(300);
      const tickets = await exportAll(sim);
      expect(tickets.some((t) => t.tags === null)).toBe(true);
      expect(tickets.some((t) => Array.isArray(t.tags))).toBe(true);
      expect(tickets.some((t) => t.subject === '')).toBe(true);
      expect(tickets.some((t) => !('assignee_id' in t) || !('external_id' in t))).toBe(true);
      expect(tickets.some((t) => t.external_id === null)).toBe(true);
      expect(tickets.every((t) => 'custom_status_id' in t && 'ticket_form_id' in t && Array.isArray(t.fields))).toBe(true);
    });
  });

  it('some comments have plain_body "" while body and html_body carry the text', async () => {
    await withSimulator({ seed: 3, clockStart: CLOCK }, async (sim) => {
      const ids = await sim.seed(60);
      let found: Json | undefined;
      for (const id of ids) {
        const { body } = await get(sim, `/api/v2/tickets/${id}/comments.json`);
        found = (body.comments as Json[]).find((c) => c.plain_body === '');
        if (found) break;
      }
      expect(found).toMatchObject({ plain_body: '', body: expect.stringMatching(/\S/), html_body: expect.stringMatching(/<p>/) });
    });
  });

  it('the connector reads those comments with their text (end to end)', async () => {
    await withSimulator({ seed: 3, clockStart: CLOCK }, async (sim) => {
      const ids = await sim.seed(5);
      await sim.addComment(ids[0]!, { body: 'Sent through the API with body only', plainBody: '', public: true });
      const connector = zendesk({ includeComments: true });
      const ctx = createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url });
      const tickets = (await pullAll(ctx, null, { includeComments: true })).flatMap((p) => p.tickets);
      const comments = tickets.find((t) => t.externalId === ids[0])!.comments!;
      expect(comments.at(-1)!.body).toBe('Sent through the API with body only');
      expect(comments.every((c) => c.body.trim() !== '')).toBe(true);
    });
  });
});

describe('cursor-based incremental export', () => {
  async function walk(sim: ZendeskSimulator, query: string, from?: string): Promise<{ tickets: Json[]; cursor: string }> {
    const tickets: Json[] = [];
    let path = from ? `/api/v2/incremental/tickets/cursor.json?cursor=${encodeURIComponent(from)}${query}` : `/api/v2/incremental/tickets/cursor.json?start_time=0${query}`;
    for (;;) {
      const { status, body } = await get(sim, path);
      expect(status).toBe(200);
      tickets.push(...(body.tickets as Json[]));
      if (body.end_of_stream) return { tickets, cursor: body.after_cursor as string };
      path = `/api/v2/incremental/tickets/cursor.json?cursor=${encodeURIComponent(body.after_cursor as string)}${query}`;
    }
  }
  const key = (t: Json) => [t.generated_timestamp as number, t.id as number] as const;

  it('pages follow (generated_timestamp, id); a change moves the ticket after the cursor; exclude_deleted leaves deleted out', async () => {
    await withSimulator({ seed: 4, exportPageSize: 7, exportLimitPerMinute: 1000 }, async (sim) => {
      const ids = await sim.seed(30);
      const first = await walk(sim, '');
      expect(first.tickets.map((t) => String(t.id)).sort()).toEqual([...ids].sort());
      for (let i = 1; i < first.tickets.length; i++) {
        const [a, b] = [key(first.tickets[i - 1]!), key(first.tickets[i]!)];
        expect(a[0] < b[0] || (a[0] === b[0] && a[1] < b[1])).toBe(true);
      }
      // Changed after the first walk: only these come after its cursor, in the export's order.
      await sim.update([ids[20]!, ids[3]!]);
      await sim.deleteTickets([ids[11]!]);
      const again = await walk(sim, '', first.cursor);
      // The two updates share one second (id order); the deletion is a minute later.
      expect(again.tickets.map((t) => String(t.id))).toEqual([ids[3], ids[20], ids[11]]);
      const live = await walk(sim, '&exclude_deleted=true');
      expect(live.tickets).toHaveLength(29);
      expect(live.tickets.some((t) => String(t.id) === ids[11])).toBe(false);
    });
  });
});

describe('Webhooks API', () => {
  const webhook = (subscriptions: string[]) => ({ webhook: { name: 'x', endpoint: 'https://app.example.com/hook', http_method: 'POST', request_format: 'json', status: 'active', subscriptions } });

  it('accepts exactly the documented event type names', async () => {
    await withSimulator({ seed: 1 }, async (sim) => {
      expect((await post(sim, '/api/v2/webhooks', webhook(['zen:event-type:ticket.custom_status_changed', 'zen:event-type:ticket.comment_redacted']))).status).toBe(201);
      for (const wrong of ['zen:event-type:ticket.updated', 'zen:event-type:ticket.comment_created', 'zen:event-type:ticket.assignee_changed', 'ticket.created']) {
        const res = await post(sim, '/api/v2/webhooks', webhook(['zen:event-type:ticket.created', wrong]));
        expect(res.status, wrong).toBe(400);
        expect(JSON.stringify(res.body)).toContain(wrong);
      }
    });
  });
});

describe('signed deliveries', () => {
  it('are signed base64(HMAC-SHA256(secret, timestamp + body)) and carry Zendesk event shapes', async () => {
    const received: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];
    const host = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(host.address() as AddressInfo).port}/hook`;
    const sim = await startZendeskSimulator({ seed: 4 });
    try {
      const ids = await sim.seed(1);
      const connector = zendesk();
      const ctx = createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url });
      const { secret } = await connector.webhook!.register!(ctx, { url, sharedUrl: url, secret: 'unused' });
      await sim.webhooks.deliver(url, ids);
      const [{ headers, body }] = received as [(typeof received)[0]];
      const timestamp = headers['x-zendesk-webhook-signature-timestamp'] as string;
      // Computed here from the documentation, not by the simulator's or the connector's code.
      expect(headers['x-zendesk-webhook-signature']).toBe(createHmac('sha256', secret!).update(timestamp + body).digest('base64'));
      const event = JSON.parse(body) as { time: string; detail: Json };
      expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      expect(event.detail.id).toBe(ids[0]);
      expect(typeof event.detail.requester_id).toBe('string');
      expect(typeof event.detail.external_id).toBe('string');
    } finally {
      await sim.close();
      await new Promise((r) => host.close(r));
    }
  });
});
