/**
 * `pnpm bench`: requests per second through the hub's Fetch handler for Webhook Push (Standard Webhooks verify,
 * mapping, replay window, inbox, dedupe, awaited `ticket` event) against a bare handler that only verifies the same
 * signature and parses the JSON, measured in the same process and run, alternating (B H H B B H) so drift favours
 * neither. Requests are signed before timing starts; every request carries a new ticket version, so every one is
 * emitted. In-process `Request` objects: the socket layer would add the same cost to both and hide the difference.
 *
 * Knobs: `BENCH_REQUESTS=20000 BENCH_CONCURRENCY=16 BENCH_RUNS=3 pnpm bench`. Information, not pass/fail.
 */
import { createHub, MemoryStore, type TicketEvent } from '@ticketbridge/core';
import { standardWebhooksSignature, webhookPush } from '../src/index.js';

const REQUESTS = Number(process.env['BENCH_REQUESTS'] ?? 20_000);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const mapping = {
  id: 'ticket.id',
  updatedAt: 'ticket.updated_at',
  subject: 'ticket.title',
  description: 'ticket.body',
  status: { path: 'ticket.state', map: { Open: 'open', Done: 'solved' }, default: 'open' },
  requester: { id: 'ticket.customer.id', name: 'ticket.customer.name', email: 'ticket.customer.email' },
  tags: 'ticket.labels',
};

function requests(url: string, secret: string, round: number): Request[] {
  const now = Date.now();
  return Array.from({ length: REQUESTS }, (_, i) => {
    const body = JSON.stringify({
      type: 'ticket.updated',
      ticket: {
        id: `T-${i}`,
        title: `Printer on fire #${i}`,
        body: 'The printer on the third floor is on fire again. '.repeat(8),
        state: i % 3 ? 'Open' : 'Done',
        customer: { id: `c-${i % 500}`, name: 'Zoë Ñandú', email: `zoe${i % 500}@example.com` },
        labels: ['hardware', i % 2 ? 'fire' : 'smoke'],
        // A new version per round, so each round emits every request.
        updated_at: new Date(now - 60_000 + round * 1000).toISOString(),
      },
    });
    const id = `msg_${round}_${i}`;
    const timestamp = String(Math.floor(now / 1000));
    const signature = standardWebhooksSignature.sign({ secret, body, timestamp, headers: { 'webhook-id': id } });
    return new Request(url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature } });
  });
}

async function drive(list: Request[], handle: (r: Request) => Promise<Response>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const res = await handle(list[next++]!);
      if (res.status !== 200) throw new Error(`answered ${res.status}: ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

async function main() {
  const publicUrl = 'https://host.example';
  const hub = createHub({ connectors: [webhookPush()], store: new MemoryStore(), publicUrl, initialSyncDelayMs: 24 * 3600_000 });
  let emitted = 0;
  let waiting: (() => void) | undefined;
  let target = 0;
  hub.on('ticket', (_e: TicketEvent) => {
    emitted++;
    if (emitted >= target) waiting?.();
  });
  const conn = await hub.connect({ platform: 'webhook-push', syncMode: 'webhook', credentials: { name: 'bench', verification: 'standard-webhooks', mapping } });
  const secret = conn.webhookSecret!;
  const url = hub.webhooks.urlFor(conn.id)!;
  const handler = hub.webhooks.fetchHandler();

  const bare = async (r: Request) => {
    const rawBody = Buffer.from(await r.arrayBuffer());
    const headers = Object.fromEntries(r.headers);
    const verdict = standardWebhooksSignature.verify({ method: r.method, url: r.url, headers, rawBody, receivedAt: new Date() }, secret);
    if (!verdict.ok) return new Response('no', { status: 401 });
    JSON.parse(rawBody.toString('utf8'));
    return new Response('{"ok":true}', { status: 200 });
  };

  const rates = { bare: [] as number[], hub: [] as number[] };
  let round = 0;
  const order = Array.from({ length: RUNS }, (_, i) => (i % 2 === 0 ? ['bare', 'hub'] : ['hub', 'bare'])).flat() as Array<'bare' | 'hub'>;
  // Warm-up of both paths (JIT), not measured.
  for (const mode of ['bare', 'hub'] as const) {
    const list = requests(url, secret, round++).slice(0, 2000);
    target = emitted + (mode === 'hub' ? list.length : 0);
    const done = new Promise<void>((resolve) => (waiting = resolve));
    await drive(list, mode === 'hub' ? handler : bare);
    if (mode === 'hub') await done;
  }
  for (const mode of order) {
    const list = requests(url, secret, round++);
    target = emitted + (mode === 'hub' ? list.length : 0);
    const done = new Promise<void>((resolve) => (waiting = resolve));
    const started = performance.now();
    await drive(list, mode === 'hub' ? handler : bare);
    if (mode === 'hub') await done;
    rates[mode].push((list.length / (performance.now() - started)) * 1000);
  }
  await hub.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const b = median(rates.bare);
  const h = median(rates.hub);
  process.stdout.write(
    `webhook push: ${REQUESTS} requests × ${RUNS} runs, concurrency ${CONCURRENCY}\n` +
      `  bare (verify + JSON.parse)                    ${Math.round(b)} req/s\n` +
      `  hub  (verify + map + inbox + dedupe + emit)   ${Math.round(h)} req/s\n` +
      `  ratio hub/bare                                ${(h / b).toFixed(2)} (aim: ≥ 0.50)\n` +
      `  peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
