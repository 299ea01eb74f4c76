/**
 * `pnpm bench` (this package), webhook part: signed Zendesk event deliveries through the hub (verify, replay window,
 * parse, hydrate with one `GET tickets/{id}.json`, dedupe, inbox, `ticket` event) against a bare handler that does
 * the same verify + one GET + `JSON.parse` and nothing else, on the same simulator, in the same run.
 *
 * - Throughput: a fixed number of deliveries sent with a fixed concurrency (closed loop); deliveries per second from
 *   the first send until the last one reached the host's handler. Aim (issue 17): hub >= 0.7x bare.
 * - Sustained load: deliveries sent at a fixed rate (open loop, default 1000/s for 5 s); the rate the host's handler
 *   kept and the p99 time from the request's receipt to the host's handler. Aim: 1000/s with p99 < 100 ms.
 * - Listener check: the host process counts `MaxListenersExceededWarning`s (there must be none).
 *
 * Each delivery names a ticket not delivered before in that host process, so every one is a new version (none is
 * dropped as a duplicate). The simulator, which also sends the deliveries (signed with the secret it registered),
 * runs in its own process; each host (hub or bare) runs in a fresh process. Loopback only; never part of `pnpm test`.
 *
 * Knobs: `BENCH_WEBHOOK_COUNT=3000`, `BENCH_WEBHOOK_CONCURRENCY=32`, `BENCH_WEBHOOK_RATE=1000`,
 * `BENCH_WEBHOOK_SECONDS=5`, `BENCH_RUNS=2`, `BENCH_CPU_PROF=/tmp/prof` (a CPU profile per host process).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { intFromEnv, median, nextMessage, percentile } from '@ticketbridge/bench-kit';
import { createHub, MemoryStore } from '@ticketbridge/core';
import { zendesk } from '../src/index.js';
import { startZendeskSimulator, type ZendeskSimCredentials } from '../src/testing.js';

const COUNT = intFromEnv('BENCH_WEBHOOK_COUNT', 3000);
const CONCURRENCY = intFromEnv('BENCH_WEBHOOK_CONCURRENCY', 32);
const RATE = intFromEnv('BENCH_WEBHOOK_RATE', 1000);
const SECONDS = intFromEnv('BENCH_WEBHOOK_SECONDS', 5);
const RUNS = intFromEnv('BENCH_RUNS', 2);
const AIM_RATIO = 0.7;
const AIM_RATE = 1000;
const AIM_P99_MS = 100;
const NEVER_MS = 24 * 3600_000;
type Mode = 'bare' | 'hub';

interface SimReady {
  type: 'ready';
  url: string;
  credentials: ZendeskSimCredentials;
  ids: string[];
}
type SimCommand = { type: 'closed'; url: string; ids: string[]; concurrency: number } | { type: 'open'; url: string; ids: string[]; rate: number } | { type: 'stop' };
interface SimDone {
  type: 'done';
  statuses: Record<string, number>;
  sendMs: number;
}
type HostCommand = { type: 'expect'; count: number };
interface HostReady {
  type: 'ready';
  url: string;
}
interface HostDone {
  type: 'done';
  handled: number;
  /** From the first request's receipt to the last handler call. */
  spanMs: number;
  cpuMs: number;
  latencies: number[];
  warnings: string[];
}

// ---------------------------------------------------------------------------------------------------------------
// Orchestrator
// ---------------------------------------------------------------------------------------------------------------

async function orchestrate(): Promise<void> {
  console.log('Ticketbridge webhooks: signed Zendesk deliveries through the hub vs a bare verify + GET + parse handler');
  console.log(`Node ${process.version}, ${os.availableParallelism()} CPUs; simulator (also the sender) in its own process, each host in a fresh one`);
  console.log(`Load average (1 min) at start: ${(os.loadavg()[0] ?? 0).toFixed(2)}\n`);
  const perRun = COUNT + RATE * SECONDS;
  const sim = fork(self, ['simulator', String(perRun)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await nextMessage<SimReady>(sim, 'simulator');
  const results: Array<{ mode: Mode; closed: HostDone & { sent: SimDone }; open: HostDone & { sent: SimDone } }> = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const mode of (run % 2 === 0 ? ['bare', 'hub'] : ['hub', 'bare']) as Mode[]) {
        // BENCH_CPU_PROF=dir: a V8 CPU profile of each host process, for finding costs.
        const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
        const host = fork(self, ['host', mode], { execArgv: profile, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        try {
          const hostReady = nextMessage<HostReady>(host, `${mode} host`);
          host.send({ url: ready.url, credentials: ready.credentials });
          const { url } = await hostReady;
          const closedIds = ready.ids.slice(0, COUNT);
          const openIds = ready.ids.slice(COUNT, perRun);
          const closed = await phase(sim, host, { type: 'closed', url, ids: closedIds, concurrency: CONCURRENCY });
          const open = await phase(sim, host, { type: 'open', url, ids: openIds, rate: RATE });
          results.push({ mode, closed, open });
          const p99 = percentile(open.latencies, 0.99);
          console.log(
            `  ${mode.padEnd(4)} closed loop ${fmtRate(closed.handled, closed.spanMs)}/s, CPU ${(closed.cpuMs / closed.handled).toFixed(2)} ms/delivery; ` +
              `open loop at ${RATE}/s: kept ${fmtRate(open.handled, open.spanMs)}/s, p99 ${p99.toFixed(1)} ms, statuses ${JSON.stringify(open.sent.statuses)}`,
          );
        } finally {
          // Asked to exit (not killed) so a CPU profile gets written.
          host.disconnect();
          await new Promise((resolve) => host.once('exit', resolve));
        }
      }
    }
  } finally {
    sim.send({ type: 'stop' } satisfies SimCommand);
  }

  const med = (mode: Mode, f: (r: (typeof results)[number]) => number) => median(results.filter((r) => r.mode === mode).map(f));
  const rateOf = (d: HostDone) => (d.handled / d.spanMs) * 1000;
  const bare = med('bare', (r) => rateOf(r.closed));
  const hub = med('hub', (r) => rateOf(r.closed));
  const hubKept = med('hub', (r) => rateOf(r.open));
  const hubP99 = med('hub', (r) => percentile(r.open.latencies, 0.99));
  const bareKept = med('bare', (r) => rateOf(r.open));
  const bareP99 = med('bare', (r) => percentile(r.open.latencies, 0.99));
  const lost = results.filter((r) => r.mode === 'hub').some((r) => r.open.handled < r.open.sent.statuses['200']! || r.closed.handled < COUNT);
  const warnings = results.flatMap((r) => [...r.closed.warnings, ...r.open.warnings]);
  console.log(`\nMedians of ${RUNS} runs per mode (${COUNT} deliveries at concurrency ${CONCURRENCY}; then ${RATE}/s for ${SECONDS} s):`);
  console.log(`  bare: ${bare.toFixed(0)} deliveries/s; at ${RATE}/s kept ${bareKept.toFixed(0)}/s, p99 ${bareP99.toFixed(1)} ms`);
  console.log(`  hub:  ${hub.toFixed(0)} deliveries/s; at ${RATE}/s kept ${hubKept.toFixed(0)}/s, p99 ${hubP99.toFixed(1)} ms (receipt -> host handler)`);
  console.log(`Webhook throughput aim (hub >= ${AIM_RATIO} x bare): ${hub / bare >= AIM_RATIO ? 'MET' : 'NOT MET'} (${(hub / bare).toFixed(2)})`);
  const sustained = hubKept >= AIM_RATE * 0.98 && hubP99 < AIM_P99_MS;
  console.log(`Sustained aim (${AIM_RATE}/s with p99 < ${AIM_P99_MS} ms): ${sustained ? 'MET' : 'NOT MET'} (kept ${hubKept.toFixed(0)}/s, p99 ${hubP99.toFixed(1)} ms)`);
  console.log(`MaxListenersExceededWarning in host processes: ${warnings.filter((w) => w.includes('MaxListeners')).length}${lost ? '  (some hub deliveries did not reach the handler)' : ''}`);
  console.log(`Load average (1 min) at the end: ${(os.loadavg()[0] ?? 0).toFixed(2)}`);
}

async function phase(sim: ChildProcess, host: ChildProcess, command: SimCommand & { ids: string[] }): Promise<HostDone & { sent: SimDone }> {
  const simDone = nextMessage<SimDone>(sim, 'simulator');
  sim.send(command);
  const sent = await simDone;
  const hostDone = nextMessage<HostDone>(host, 'host');
  host.send({ type: 'expect', count: sent.statuses['200'] ?? 0 } satisfies HostCommand);
  return { ...(await hostDone), sent };
}

const self = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------------------------------------------------------
// Simulator + sender
// ---------------------------------------------------------------------------------------------------------------

async function simulatorProcess(tickets: number): Promise<void> {
  const sim = await startZendeskSimulator({ seed: 1, accountLimitPerMinute: 1e9, exportLimitPerMinute: 1e9 });
  const ids = await sim.seed(tickets);
  process.send!({ type: 'ready', url: sim.url, credentials: sim.credentials(), ids } satisfies SimReady);
  process.on('message', (command: SimCommand) => {
    if (command.type === 'stop') {
      void sim.close().then(() => process.disconnect());
      return;
    }
    void send(command).then((done) => process.send!(done));
  });

  async function send(command: Exclude<SimCommand, { type: 'stop' }>): Promise<SimDone> {
    const statuses: Record<string, number> = {};
    const one = async (id: string) => {
      const res = await sim.webhooks.deliver(command.url, [id]).catch(() => ({ status: 0 }));
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    };
    const began = performance.now();
    if (command.type === 'closed') {
      let i = 0;
      await Promise.all(
        Array.from({ length: command.concurrency }, async () => {
          while (i < command.ids.length) await one(command.ids[i++]!);
        }),
      );
    } else {
      // Open loop: every 10 ms the deliveries due by then go out, whether earlier ones were answered or not.
      const inflight: Array<Promise<void>> = [];
      let sent = 0;
      await new Promise<void>((resolve) => {
        const tick = setInterval(() => {
          const due = Math.min(command.ids.length, Math.floor(((performance.now() - began) / 1000) * command.rate));
          while (sent < due) inflight.push(one(command.ids[sent++]!));
          if (sent >= command.ids.length) {
            clearInterval(tick);
            resolve();
          }
        }, 10);
      });
      await Promise.all(inflight);
    }
    return { type: 'done', statuses, sendMs: performance.now() - began };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Hosts
// ---------------------------------------------------------------------------------------------------------------

async function hostProcess(mode: Mode): Promise<void> {
  const { url: simUrl, credentials } = await new Promise<{ url: string; credentials: ZendeskSimCredentials }>((resolve) => process.once('message', (m) => resolve(m as never)));
  const warnings: string[] = [];
  process.on('warning', (w) => warnings.push(`${w.name}: ${w.message}`));
  let first = 0;
  let last = 0;
  let handled = 0;
  let latencies: number[] = [];
  let cpu = process.cpuUsage();
  const handle = (receivedMs: number) => {
    const now = performance.timeOrigin + performance.now();
    if (handled === 0 || receivedMs < first) first = receivedMs;
    last = now;
    handled++;
    latencies.push(now - receivedMs);
  };

  let requestHandler: (req: IncomingMessage, res: ServerResponse) => void;
  const server = createServer((req, res) => requestHandler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const hostUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const authorization = `Basic ${Buffer.from(`${credentials.email}/token:${credentials.apiToken}`).toString('base64')}`;

  let webhookUrl: string;
  if (mode === 'hub') {
    const hub = createHub({ connectors: [zendesk()], store: new MemoryStore(), publicUrl: hostUrl, autoStart: false, initialSyncDelayMs: NEVER_MS, pollIntervalMs: NEVER_MS });
    requestHandler = hub.webhooks.nodeHandler();
    // The event's receivedAt is the router's receipt time (ms); the handler's clock reads the rest.
    hub.on('ticket', (event) => handle(Date.parse(event.receivedAt)));
    const connection = await hub.connect({ platform: 'zendesk', credentials: { ...credentials }, baseUrl: simUrl, syncMode: 'webhook' });
    webhookUrl = connection.webhookUrl!;
  } else {
    // What a user writes without the SDK: the webhook created through Zendesk's API, its signing secret fetched once.
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${simUrl}/api/v2/${path}`, { ...init, headers: { authorization, 'content-type': 'application/json', ...(init.headers ?? {}) } }).then(async (r) => (await r.json()) as Record<string, any>);
    webhookUrl = `${hostUrl}/bare`;
    const created = await api('webhooks', {
      method: 'POST',
      body: JSON.stringify({ webhook: { name: 'bare', endpoint: webhookUrl, http_method: 'POST', request_format: 'json', status: 'active', subscriptions: ['zen:event-type:ticket.status_changed'] } }),
    });
    const secret = (await api(`webhooks/${created.webhook.id}/signing_secret`)).signing_secret.secret as string;
    requestHandler = (req, res) => {
      const receivedMs = performance.timeOrigin + performance.now();
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const body = Buffer.concat(chunks);
          const timestamp = String(req.headers['x-zendesk-webhook-signature-timestamp'] ?? '');
          const given = Buffer.from(String(req.headers['x-zendesk-webhook-signature'] ?? ''), 'base64');
          const expected = createHmac('sha256', secret).update(timestamp).update(body).digest();
          if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
            res.writeHead(401).end();
            return;
          }
          const id = (JSON.parse(body.toString('utf8')) as { detail: { id: string } }).detail.id;
          const ticket = await fetch(`${simUrl}/api/v2/tickets/${encodeURIComponent(id)}.json?include=users,organizations`, { headers: { authorization } });
          JSON.parse(await ticket.text());
          res.writeHead(200).end();
          handle(receivedMs);
        })().catch(() => res.writeHead(500).end());
      });
    };
  }
  process.send!({ type: 'ready', url: webhookUrl } satisfies HostReady);

  process.once('disconnect', () => process.exit(0));
  process.on('message', (command: HostCommand) => {
    void (async () => {
      const deadline = Date.now() + 60_000;
      while (handled < command.count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      const c = process.cpuUsage(cpu);
      const done: HostDone = { type: 'done', handled, spanMs: last - first, cpuMs: (c.user + c.system) / 1000, latencies, warnings: [...warnings] };
      process.send!(done);
      handled = 0;
      latencies = [];
      cpu = process.cpuUsage();
    })();
  });
}

// ---------------------------------------------------------------------------------------------------------------

function fmtRate(count: number, ms: number): string {
  return ((count / ms) * 1000).toFixed(0);
}

const role = process.argv[2];
if (role === 'simulator') await simulatorProcess(Number(process.argv[3]));
else if (role === 'host') await hostProcess(process.argv[3] as Mode);
else await orchestrate();
