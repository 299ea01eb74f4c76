/**
 * Demo mode of the example host: starts platform simulators on loopback, runs the host with a durable SQLite
 * store, connects every platform through the host's own Connect API (as a user filling in the form would), lets
 * the backfill run, then changes tickets on the platforms and pushes their webhooks, and prints what the host
 * received: tickets, alerts, and each connection's sync history.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SyncRun } from '@ticketbridge/core';
import { acme, startAcmeSimulator, type ConnectorSimulator } from '@ticketbridge/core/testing';
import { zendesk } from '@ticketbridge/connector-zendesk';
import { startZendeskSimulator } from '@ticketbridge/connector-zendesk/testing';
import { hubspot } from '@ticketbridge/connector-hubspot';
import { startHubSpotSimulator } from '@ticketbridge/connector-hubspot/testing';
import { freshdesk } from '@ticketbridge/connector-freshdesk';
import { webhookPush } from '@ticketbridge/connector-webhook-push';
import { standardWebhooksSignature } from '@ticketbridge/connector-webhook-push/testing';
import { startFreshdeskSimulator } from '@ticketbridge/connector-freshdesk/testing';
import { intercom } from '@ticketbridge/connector-intercom';
import { startIntercomSimulator } from '@ticketbridge/connector-intercom/testing';
import { jira } from '@ticketbridge/connector-jira';
import { startJiraSimulator } from '@ticketbridge/connector-jira/testing';
import { helpScout } from '@ticketbridge/example-connector-helpscout';
import { startHelpScoutSimulator } from '@ticketbridge/example-connector-helpscout/testing';
import { SqliteStore } from '@ticketbridge/store-sqlite';
import { csvSource, importCsv } from '@ticketbridge/csv-import';
import { startHostApp } from './app.js';

const out = (line = '') => process.stdout.write(`${line}\n`);
const pad = (v: unknown, n: number) => String(v).padEnd(n).slice(0, n);

async function main() {
  const dir = join(process.cwd(), '.tmp');
  mkdirSync(dir, { recursive: true });
  const dbPath = join(dir, 'demo.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true });

  const sims: Array<{ platform: string; sim: ConnectorSimulator<object>; tickets: number }> = [
    { platform: 'acme', sim: await startAcmeSimulator({ seed: 11 }), tickets: 400 },
    { platform: 'zendesk', sim: await startZendeskSimulator({ seed: 12, auth: 'oauth_client_credentials' }), tickets: 1500 },
    { platform: 'hubspot', sim: await startHubSpotSimulator({ seed: 13 }), tickets: 450 },
    { platform: 'freshdesk', sim: await startFreshdeskSimulator({ seed: 14 }), tickets: 600 },
    { platform: 'intercom', sim: await startIntercomSimulator({ seed: 15 }), tickets: 450 },
    { platform: 'jira', sim: await startJiraSimulator({ seed: 16 }), tickets: 500 },
    { platform: 'helpscout', sim: await startHelpScoutSimulator({ seed: 17 }), tickets: 300 },
  ];
  out(`Ticketbridge demo: ${sims.length} platform simulators on loopback, one host, a sealed SQLite store.\n`);
  for (const s of sims) {
    await s.sim.seed(s.tickets);
    out(`  simulator ${pad(s.platform, 10)} ${s.sim.url}  ${s.tickets} tickets`);
  }

  const zendeskSim = sims[1]!.sim as Awaited<ReturnType<typeof startZendeskSimulator<'oauth_client_credentials'>>>;
  // A real host keeps this key in its secret manager; the demo derives one from a passphrase.
  const store = new SqliteStore({ path: dbPath, key: process.env.TICKETBRIDGE_KEY ?? 'demo passphrase, not for production use' });
  const app = await startHostApp({
    connectors: [acme(), zendesk(), hubspot(), freshdesk(), intercom(), jira(), helpScout(), webhookPush(), csvSource()],
    store,
    hub: { pollIntervalMs: 15 * 60_000, http: { minRetryDelayMs: 50, maxRetryDelayMs: 1_000 } },
    platformOrigins: Object.fromEntries(sims.map((s) => [s.platform, s.sim.url])),
    // The product's global Zendesk OAuth client, registered with the host's callback URL.
    oauthClients: (callbackUrl) => {
      const client = zendeskSim.oauth.client('global', { redirectUris: [callbackUrl] });
      return { zendesk: { clientId: client.clientId, clientSecret: client.clientSecret!, redirectUri: callbackUrl } };
    },
  });
  out(`  host      ${app.url}  (webhooks at ${app.url}/api/webhooks/tickets)\n`);

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(app.url + path, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
    return { status: res.status, body: (res.status === 204 ? undefined : await res.json()) as Record<string, unknown> & Array<Record<string, unknown>> };
  };

  const platforms = await api('GET', '/api/platforms');
  out('Connect forms (from describeCredentialMethods):');
  for (const p of platforms.body) {
    for (const m of p.methods as Array<{ id: string; label: string; deprecated?: { endsOn: string }; fields: Array<{ label: string; secret: boolean }> }>) {
      const fields = m.fields.map((f) => `${f.label}${f.secret ? ' (secret)' : ''}`);
      const label = m.id === 'default' ? p.name : `${p.name}: ${m.label}`;
      out(`  ${pad(label, 58)} ${fields.join(', ') || '(sign-in only)'}`);
    }
  }

  out('\nTest & Connect with a wrong OAuth client secret first:');
  const zd = sims[1]!;
  const wrong = await api('POST', '/api/connections', { platform: 'zendesk', credentials: { ...(zd.sim.credentials() as object), clientSecret: 'not-the-right-secret-123' }, syncMode: 'both' });
  out(`  HTTP ${wrong.status}: field=${String(wrong.body.field)} — ${String(wrong.body.error)}`);

  /** The browser's part of the sign-in: open the consent page (the simulated admin approves), follow the redirect. */
  async function signInWithZendesk() {
    const started = await api('POST', '/api/oauth/start', { platform: 'zendesk', credentials: { method: 'oauth_authorization_code', subdomain: 'acmecorp' }, syncMode: 'both' });
    if (started.status !== 200) throw new Error(`sign-in start failed: ${JSON.stringify(started.body)}`);
    const consent = await fetch(String(started.body.url), { redirect: 'manual' });
    const callback = consent.headers.get('location');
    if (consent.status !== 302 || !callback) throw new Error(`consent page answered ${consent.status}`);
    out(`  zendesk  consent page asked for: ${String((started.body.scopes as string[]).join(' '))}`);
    const res = await fetch(callback);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** A helpdesk we ship no connector for pushes its tickets as Standard Webhooks; one payload does not fit at first. */
  async function pushFromAnInHouseHelpdesk() {
    const mapping = {
      id: 'ticket.id',
      updatedAt: 'ticket.updated_at',
      subject: 'ticket.title',
      status: { path: 'ticket.state', map: { Open: 'open', Waiting: 'pending', Done: 'solved' } },
      requester: { id: 'ticket.customer.id', name: 'ticket.customer.name', email: 'ticket.customer.email' },
      tags: 'ticket.labels',
    };
    const settings = { name: 'In-house helpdesk', verification: 'standard-webhooks', mapping };
    const res = await api('POST', '/api/connections', { platform: 'webhook-push', credentials: settings, syncMode: 'webhook' });
    if (res.status !== 201) throw new Error(`connect webhook-push failed: ${JSON.stringify(res.body)}`);
    const id = String(res.body.id);
    const secret = String(res.body.webhookSecret);
    const steps = (res.body.webhookSetup as { instructions: { steps: string[] } }).instructions.steps.length;
    out(`  ${pad('push', 10)} ${pad(id, 30)} ${pad(res.body.accountName, 34)} webhook: manual (${steps} steps for the sender, secret whsec_…)`);
    const push = async (events: unknown[]) => {
      const body = JSON.stringify(events);
      const msg = `msg_${Date.now()}_${Math.random().toString(36).slice(2)}`;
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = standardWebhooksSignature.sign({ secret, body, timestamp, headers: { 'webhook-id': msg } });
      const r = await fetch(`${app.url}/api/webhooks/tickets?connectorId=${id}`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'webhook-id': msg, 'webhook-timestamp': timestamp, 'webhook-signature': signature } });
      return { status: r.status, body: (await r.json()) as { error?: string; accepted?: number } };
    };
    const ticket = (n: number, state: string) => ({ ticket: { id: `IH-${n}`, title: n === 2 ? 'You people are useless, refund me NOW' : `Badge printer jammed (#${n})`, state, customer: { id: `u${n}`, name: 'Kai Müller', email: `kai${n}@example.com` }, labels: ['in-house'], updated_at: new Date().toISOString() } });
    const ok = await push([ticket(1, 'Open'), ticket(2, 'Waiting')]);
    out(`  ${pad('push', 10)} 2 events → HTTP ${ok.status} (${ok.body.accepted} accepted)`);
    const bad = await push([ticket(3, 'Escalated')]);
    out(`  ${pad('push', 10)} an event with the unknown state "Escalated" → HTTP ${bad.status}: ${String(bad.body.error).replace(/^malformed payload: \[ticketbridge\] \[webhook-push\] /, '').slice(0, 110)}…`);
    await app.hub.updateCredentials(id, { ...settings, mapping: { ...mapping, status: { ...mapping.status, map: { ...mapping.status.map, Escalated: 'open' } } } });
    const replay = await app.hub.replayDeadLetters(id);
    out(`  ${pad('push', 10)} mapping fixed (Escalated → open), dead letters replayed: ${replay.replayed}, tickets accepted: ${replay.accepted}`);
  }

  const finished = new Map<string, SyncRun>();
  app.hub.on('sync.finished', (run) => finished.set(run.connectionId, run));
  const connections: Array<{ id: string; platform: string; sim: ConnectorSimulator<object>; secret?: string }> = [];
  out('\nTest & Connect (syncMode both; Zendesk through "Sign in with Zendesk", OAuth with PKCE):');
  for (const s of sims) {
    const res = s.platform === 'zendesk' ? await signInWithZendesk() : await api('POST', '/api/connections', { platform: s.platform, credentials: s.sim.credentials(), syncMode: 'both' });
    if (res.status !== 201) throw new Error(`connect ${s.platform} failed: ${JSON.stringify(res.body)}`);
    const setup = res.body.webhookSetup as { kind: string; instructions?: { title: string; steps: string[] } };
    connections.push({ id: String(res.body.id), platform: s.platform, sim: s.sim, ...(res.body.webhookSecret ? { secret: String(res.body.webhookSecret) } : {}) });
    out(`  ${pad(s.platform, 10)} ${pad(res.body.id, 30)} ${pad(res.body.accountName, 34)} webhook: ${setup.kind}${setup.instructions ? ` (${setup.instructions.steps.length} manual steps)` : ''}`);
  }

  out('\nBackfill running (first sync starts right after connecting)...');
  const deadline = Date.now() + 120_000;
  while (connections.some((c) => !finished.has(c.id))) {
    if (Date.now() > deadline) throw new Error('backfill did not finish in 2 minutes');
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const c of connections) out(`  ${pad(c.platform, 10)} ${finished.get(c.id)!.ticketsSynced} tickets`);

  out('\nAgents work on the platforms; webhooks arrive; the safety-net poll runs:');
  for (const c of connections) {
    const ids = [...c.sim.snapshot().keys()].slice(0, 6);
    const changed = await c.sim.update(ids);
    const delivery = await c.sim.webhooks!.deliver(`${app.url}/api/webhooks/tickets?connectorId=${c.id}`, changed.slice(0, 4), c.secret ? { secret: c.secret } : {});
    const forged = await c.sim.webhooks!.deliver(`${app.url}/api/webhooks/tickets?connectorId=${c.id}`, changed.slice(0, 1), { forge: true, ...(c.secret ? { secret: c.secret } : {}) });
    out(`  ${pad(c.platform, 10)} ${changed.length} tickets changed; webhook for 4 → HTTP ${delivery.status}; forged webhook → HTTP ${forged.status}`);
  }
  await pushFromAnInHouseHelpdesk();
  await new Promise((r) => setTimeout(r, 500));
  for (const c of connections) await api('POST', `/api/connections/${c.id}/sync`);

  out('\nCSV import: a Zendesk-style export (BOM, CRLF, a multi-line cell, 2 bad rows) through a CSV connection:');
  const csvConn = await api('POST', '/api/connections', { platform: 'csv', credentials: { label: 'Zendesk export (CSV)', preset: 'zendesk' }, syncMode: 'poll' });
  if (csvConn.status !== 201) throw new Error(`connect csv failed: ${JSON.stringify(csvConn.body)}`);
  const csvPath = join(dir, 'zendesk-export.csv');
  writeFileSync(csvPath, zendeskStyleExport(400));
  const imported = await importCsv(app.hub, String(csvConn.body.id), csvPath, { timeZone: 'Europe/Paris' });
  const again = await importCsv(app.hub, String(csvConn.body.id), csvPath, { timeZone: 'Europe/Paris' });
  for (const [label, r] of [['import', imported], ['re-import', again]] as const) {
    out(`  ${pad(label, 10)} run ${pad(r.run.id, 22)} trigger ${r.run.trigger}  ${r.run.status}  rows ${r.progress.rows}  new ${r.run.ticketsSynced}  unchanged ${r.run.duplicatesDropped}  refused ${r.progress.rejected}  ${r.progress.bytes} bytes (${r.progress.percent}%)`);
  }
  for (const bad of imported.rejected) out(`  refused ${bad.at}, ${bad.field}: ${bad.reason}`);

  const byType = new Map<string, number>();
  for (const e of app.events) byType.set(`${e.type} via ${e.source}`, (byType.get(`${e.type} via ${e.source}`) ?? 0) + 1);
  out('\nWhat the host received:');
  for (const [k, v] of [...byType].sort()) out(`  ${pad(v, 6)} ${k}`);
  const keys = app.events.map((e) => e.idempotencyKey);
  out(`  ${app.events.length} events, ${new Set(keys).size} distinct versions (duplicates: ${keys.length - new Set(keys).size})`);

  out('\nSample tickets:');
  for (const c of connections) {
    for (const e of app.events.filter((x) => x.connectionId === c.id).slice(0, 3)) {
      const t = e.ticket;
      out(`  ${pad(t.platform, 10)} #${pad(t.externalId, 8)} ${pad(t.status, 8)} ${pad(t.priority ?? '-', 7)} ${pad(t.requester?.name ?? '-', 18)} ${t.subject.slice(0, 60)}`);
    }
  }
  const updates = app.events.filter((e) => e.type === 'ticket.updated' && e.changes);
  out('\nChanges reported on updates (no copy kept by the host):');
  for (const e of updates.slice(0, 6)) out(`  ${pad(e.ticket.platform, 10)} #${pad(e.ticket.externalId, 8)} via ${pad(e.source, 8)} ${JSON.stringify(e.changes)}`);

  out(`\nAlerts raised by the host (${app.alerts.length} in all, first 8):`);
  for (const a of app.alerts.slice(0, 8)) out(`  ${pad(a.platform, 10)} #${pad(a.ticketId, 8)} ${pad(a.reasons.join('; '), 44)} ${a.subject.slice(0, 50)}`);

  out('\nSync history:');
  out(`  ${pad('platform', 11)}${pad('trigger', 9)}${pad('status', 10)}${pad('tickets', 8)}${pad('dupes', 7)}${pad('pages', 6)}${pad('reqs', 6)}${pad('429s', 6)}${pad('waited', 8)}${pad('took', 8)}errors`);
  for (const c of connections) {
    const history = (await api('GET', `/api/connections/${c.id}/history`)).body as unknown as SyncRun[];
    for (const r of history.reverse()) {
      const took = r.finishedAt ? `${Date.parse(r.finishedAt) - Date.parse(r.startedAt)}ms` : '-';
      out(`  ${pad(c.platform, 11)}${pad(r.trigger, 9)}${pad(r.status, 10)}${pad(r.ticketsSynced, 8)}${pad(r.duplicatesDropped, 7)}${pad(r.pages, 6)}${pad(r.requests, 6)}${pad(r.rateLimited, 6)}${pad(`${r.rateLimitWaitMs}ms`, 8)}${pad(took, 8)}${r.errors.length}`);
    }
  }

  await app.close();
  await store.close();
  for (const s of sims) await s.sim.close();
  out(`\nDone. State persisted (credentials sealed) in ${dbPath}.`);
}

/** A Zendesk CSV export's header and `rows` generated rows, with the quirks real files have and two bad rows. */
function zendeskStyleExport(rows: number): string {
  const lines = ['\uFEFFId,Requester,Requester id,Requester email,Assignee,Group,Subject,Tags,Status,Priority,Via,Ticket type,Created at,Updated at,Organization'];
  const statuses = ['New', 'Open', 'Pending', 'Hold', 'Solved', 'Closed'];
  for (let i = 1; i <= rows; i++) {
    const created = new Date(Date.UTC(2024, 2, 1, 8) + i * 3_600_000);
    const at = (d: Date) => d.toISOString().slice(0, 19).replace('T', ' ');
    const subject = i % 50 === 0 ? `"Printer says ""PC LOAD LETTER"",\r\nagain"` : `Question ${i} about the March invoice`;
    const updated = i === 7 ? 'last Tuesday' : at(new Date(created.getTime() + 5_400_000));
    lines.push(`${i === 13 ? '' : 90000 + i},Customer ${i % 97},${5000 + (i % 97)},customer${i % 97}@example.com,Agent ${i % 5},Support,${subject},vip billing,${statuses[i % 6]},${['Low', 'Normal', 'High', 'Urgent'][i % 4]},Mail,Question,${at(created)},${updated},Org ${i % 11}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
