/**
 * The example host's Connect page: plain DOM, no framework. Everything it shows comes from the host's JSON API and
 * its server-sent events (`/api/events`).
 */

// The server's alert shape, as JSON (a type only: nothing of the server is bundled into the page).
import type { Alert } from '../alerts.js';
import type { FeedTicket } from '../app.js';
interface Field {
  name: string;
  label: string;
  help?: string;
  kind: string;
  secret: boolean;
  required: boolean;
  placeholder?: string;
  suffix?: string;
  choices?: string[];
}
interface Method {
  id: string;
  label: string;
  help?: string;
  fields: Field[];
  oauth?: { grant: 'authorization_code' | 'client_credentials'; clientFrom: 'credentials' | 'hub' };
  deprecated?: { endsOn: string };
}
interface Platform {
  id: string;
  name: string;
  badge: { initials: string; color: string };
  webhooks: boolean;
  webhookSetup: 'none' | 'automatic' | 'automatic-or-manual' | 'manual';
  methods: Method[];
  simulatorCredentials?: Record<string, unknown>;
}
interface Instructions {
  title: string;
  steps: string[];
}
interface Connection {
  id: string;
  platform: string;
  accountName: string;
  syncMode: string;
  status: string;
  statusReason?: { message: string; field?: string };
  webhookUrl: string | null;
  webhookSetup: { kind: 'none' | 'registered' } | { kind: 'manual'; instructions: Instructions };
  nextPollAt: string | null;
  webhookSecret?: string;
}
interface Run {
  id: string;
  connectionId: string;
  trigger: string;
  status: string;
  startedAt: string;
  finishedAt?: string | null;
  ticketsSynced: number;
  duplicatesDropped?: number;
  pages: number;
  errors: Array<{ code?: string; message: string }> | number;
  attempt: number;
  nextRetryAt?: string | null;
  rejected?: number;
}
interface Progress {
  connectionId: string;
  runId: string;
  pages: number;
  tickets: number;
  delivered: number;
  total?: number;
  etaMs?: number;
  ticketsPerSecond: number;
}
interface ApiError {
  error: string;
  field?: string | null;
  fields?: Array<{ field: string; path: string; message: string }>;
}

/** `replaceChildren` without the absent ones. */
const fill = (el: Element, ...children: Array<Node | string | null | undefined>) => el.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined));

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** Builds an element: `h('a', { href }, 'text', child)`. Text is always set as text, never parsed as HTML. */
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | boolean | undefined> = {}, ...children: Array<Node | string | null | undefined>): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

async function api<T>(method: string, path: string, body?: unknown, raw?: BodyInit): Promise<{ status: number; body: T & ApiError }> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  } else if (raw !== undefined) {
    init.body = raw;
    init.headers = { 'content-type': 'text/csv' };
  }
  const res = await fetch(path, init);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T & ApiError };
}

const ago = (iso: string | null | undefined) => {
  if (!iso) return '—';
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (Math.abs(s) < 60) return s >= 0 ? `${s}s ago` : `in ${-s}s`;
  const m = Math.round(s / 60);
  return m >= 0 ? `${m} min ago` : `in ${-m} min`;
};
const duration = (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

let platforms: Platform[] = [];
let connections: Connection[] = [];
const lastRuns = new Map<string, Run>();

// ---------------------------------------------------------------------------------------------------------------
// Connect flow

interface FormState {
  platform: Platform;
  method: Method;
  /** Set when the form rotates the credentials of an existing connection. */
  rotate?: Connection;
}
let form: FormState | undefined;

function renderPlatforms() {
  const grid = $('platforms');
  grid.replaceChildren(
    ...platforms.map((p) => {
      const setup =
        p.webhookSetup === 'automatic'
          ? 'webhook registers automatically'
          : p.webhookSetup === 'automatic-or-manual'
            ? 'webhook registers automatically (admins), else manual steps'
            : p.webhookSetup === 'manual'
              ? 'webhook needs manual steps'
              : 'no webhook: polling or upload';
      const card = h('button', { type: 'button', class: 'platform', 'data-platform': p.id }, h('span', { class: 'badge', style: `background:${p.badge.color}` }, p.badge.initials), h('span', {}, p.name, h('small', {}, setup)));
      card.addEventListener('click', () => openForm(p));
      return card;
    }),
  );
}

function openForm(platform: Platform, rotate?: Connection) {
  const stored = rotate ? methodOf(platform, rotate.platform === platform.id ? (rotate as unknown as { credentials?: Record<string, unknown> }).credentials : undefined) : undefined;
  form = { platform, method: stored ?? defaultMethod(platform), ...(rotate ? { rotate } : {}) };
  for (const el of document.querySelectorAll('.platform')) el.classList.toggle('selected', (el as HTMLElement).dataset.platform === platform.id);
  $('result').hidden = true;
  const f = $<HTMLFormElement>('connect-form');
  f.hidden = false;
  $('form-title').textContent = rotate ? `Rotate the credentials of ${rotate.accountName} (${rotate.id})` : `2. ${platform.name}: credentials`;
  $('form-intro').textContent = rotate ? 'Enter the new values: they are tested against the platform before they replace the old ones. The cursor, history and webhook stay.' : '';
  $('sync-mode').hidden = Boolean(rotate);
  for (const input of document.querySelectorAll<HTMLInputElement>('input[name=syncMode]')) {
    input.disabled = !platform.webhooks && input.value !== 'poll';
    input.checked = platform.webhooks ? input.value === 'both' : input.value === 'poll';
  }
  $('fill').hidden = !platform.simulatorCredentials;
  $('submit').textContent = rotate ? 'Test & Save' : 'Test & Connect';
  renderMethods();
  setStatus('');
  f.scrollIntoView({ behavior: 'smooth', block: 'start' });
}

function defaultMethod(p: Platform): Method {
  return p.methods.find((m) => !m.deprecated && m.oauth?.grant !== 'authorization_code') ?? p.methods[0]!;
}

/** The method whose fields these credentials fill (the simulator's do not always name it). */
function methodOf(p: Platform, creds: Record<string, unknown> | undefined): Method | undefined {
  if (!creds) return undefined;
  if (typeof creds.method === 'string') return p.methods.find((m) => m.id === creds.method);
  const keys = Object.keys(creds);
  return p.methods.find((m) => m.fields.filter((f) => f.required).every((f) => f.name in creds) && keys.every((k) => m.fields.some((f) => f.name === k)));
}

function renderMethods() {
  const { platform, method, rotate } = form!;
  const box = $('methods');
  box.replaceChildren();
  if (platform.methods.length > 1) {
    box.append(h('p', {}, h('strong', {}, 'How to sign in')));
    for (const m of platform.methods) {
      const input = h('input', { type: 'radio', name: 'method', value: m.id, checked: m.id === method.id, disabled: Boolean(rotate) && m.id !== method.id });
      input.addEventListener('change', () => {
        form!.method = m;
        renderMethods();
      });
      box.append(h('label', {}, input, ` ${m.label}`, m.deprecated ? h('em', { class: 'muted' }, ` (retired on ${m.deprecated.endsOn})`) : null, m.help ? h('small', { class: 'muted' }, ` — ${m.help}`) : null));
    }
  }
  const fields = $('fields');
  fields.replaceChildren(...method.fields.map(renderField));
  const browserSignIn = method.oauth?.grant === 'authorization_code';
  $('signin').hidden = !browserSignIn || Boolean(rotate);
  $('signin').textContent = `Sign in with ${platform.name}`;
  $('test').hidden = browserSignIn;
  $('submit').hidden = browserSignIn;
}

function renderField(f: Field): HTMLElement {
  let input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  if (f.choices) {
    input = h('select', { name: f.name, id: `f-${f.name}` }, ...(f.required ? [] : [h('option', { value: '' }, '—')]), ...f.choices.map((c) => h('option', { value: c }, c)));
  } else if (f.kind === 'textarea' || f.kind === 'json') {
    input = h('textarea', { name: f.name, id: `f-${f.name}`, placeholder: f.placeholder, spellcheck: 'false' });
  } else {
    input = h('input', {
      name: f.name,
      id: `f-${f.name}`,
      type: f.secret ? 'password' : f.kind === 'email' ? 'email' : 'text',
      placeholder: f.placeholder,
      autocomplete: f.secret ? 'new-password' : 'off',
    });
  }
  let control: HTMLElement = input;
  if (f.secret) {
    const toggle = h('button', { type: 'button', class: 'secondary small', title: 'Show or hide' }, 'Show');
    toggle.addEventListener('click', () => {
      const i = input as HTMLInputElement;
      i.type = i.type === 'password' ? 'text' : 'password';
      toggle.textContent = i.type === 'password' ? 'Show' : 'Hide';
    });
    control = h('div', { class: 'secret' }, input, toggle);
  } else if (f.suffix) control = h('div', { class: 'suffix' }, input, h('span', {}, f.suffix));
  return h(
    'div',
    { class: 'field', 'data-field': f.name },
    h('label', { for: `f-${f.name}` }, f.label, f.required || /optional/i.test(f.label) ? '' : h('span', { class: 'muted' }, ' (optional)')),
    control,
    f.help ? h('small', {}, f.help) : null,
    h('div', { class: 'error', 'data-error-for': f.name }),
  );
}

function fillSimulator() {
  const { platform } = form!;
  const creds = platform.simulatorCredentials ?? {};
  const m = methodOf(platform, creds);
  if (m && m.id !== form!.method.id) {
    form!.method = m;
    renderMethods();
  }
  for (const [k, v] of Object.entries(creds)) {
    const el = document.querySelector<HTMLInputElement>(`#fields [name="${CSS.escape(k)}"]`);
    if (el) el.value = typeof v === 'string' ? v : JSON.stringify(v, null, 2);
  }
}

function collect(): { platform: string; credentials: Record<string, unknown>; syncMode: string } {
  const { platform, method } = form!;
  const credentials: Record<string, unknown> = {};
  if (platform.methods.length > 1) credentials.method = method.id;
  for (const f of method.fields) {
    const el = document.querySelector<HTMLInputElement>(`#fields [name="${CSS.escape(f.name)}"]`);
    const value = el?.value.trim() ?? '';
    if (value !== '') credentials[f.name] = value;
  }
  const syncMode = document.querySelector<HTMLInputElement>('input[name=syncMode]:checked')?.value ?? 'poll';
  return { platform: platform.id, credentials, syncMode };
}

function setStatus(text: string, kind: 'ok' | 'bad' | '' = '') {
  const s = $('form-status');
  s.textContent = text;
  s.className = kind;
}

function clearErrors() {
  for (const el of document.querySelectorAll('#fields .field')) el.classList.remove('invalid');
  for (const el of document.querySelectorAll('#fields .error')) el.textContent = '';
}

/** Puts each problem next to its field; what belongs to no field of the form goes to the status line. */
function showErrors(err: ApiError) {
  clearErrors();
  const problems = err.fields?.length ? err.fields : err.field ? [{ field: err.field, path: err.field, message: err.error }] : [];
  const unplaced: string[] = [];
  for (const p of problems) {
    const slot = document.querySelector<HTMLElement>(`#fields [data-error-for="${CSS.escape(p.field)}"]`);
    if (!slot) {
      unplaced.push(p.path === p.field ? p.message : `${p.path}: ${p.message}`);
      continue;
    }
    slot.closest('.field')!.classList.add('invalid');
    const line = p.path !== p.field ? `${p.path}: ${p.message}` : p.message;
    slot.textContent = slot.textContent ? `${slot.textContent}; ${line}` : line;
  }
  setStatus(unplaced.length ? unplaced.join('; ') : problems.length ? 'Please correct the highlighted fields.' : err.error, 'bad');
}

async function submit(testOnly: boolean) {
  if (!form) return;
  clearErrors();
  const body = collect();
  const buttons = [$<HTMLButtonElement>('test'), $<HTMLButtonElement>('submit')];
  for (const b of buttons) b.disabled = true;
  setStatus(testOnly ? 'Testing against the platform…' : 'Testing and connecting…');
  try {
    if (form.rotate) {
      const res = await api<Connection>('PUT', `/api/connections/${form.rotate.id}/credentials`, body.credentials);
      if (res.status !== 200) return showErrors(res.body);
      setStatus(`Credentials of ${res.body.accountName} replaced.`, 'ok');
      void refreshConnections();
      return;
    }
    if (testOnly) {
      const res = await api<{ accountName: string }>('POST', '/api/connections/test', body);
      if (res.status !== 200) return showErrors(res.body);
      setStatus(`Test passed: ${res.body.accountName}. Nothing was saved.`, 'ok');
      return;
    }
    const res = await api<Connection>('POST', '/api/connections', body);
    if (res.status !== 201) return showErrors(res.body);
    setStatus('');
    $<HTMLFormElement>('connect-form').hidden = true;
    showResult(res.body);
    void refreshConnections();
  } catch (error) {
    setStatus(`The host did not answer: ${String(error)}`, 'bad');
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

async function signIn() {
  const body = collect();
  setStatus(`Opening ${form!.platform.name}'s sign-in page…`);
  const res = await api<{ url: string }>('POST', '/api/oauth/start', body);
  if (res.status !== 200) return showErrors(res.body);
  location.href = res.body.url;
}

function showResult(conn: Connection) {
  const box = $('result');
  box.hidden = false;
  const setup = conn.webhookSetup;
  fill(box,
    h('h2', {}, `4. Connected: ${conn.accountName}`),
    h('p', {}, 'Connector ID: ', h('code', { 'data-testid': 'connection-id' }, conn.id)),
    conn.webhookUrl ? h('p', {}, 'Webhook URL: ', h('code', { 'data-testid': 'webhook-url' }, conn.webhookUrl)) : h('p', {}, 'Poll mode: no webhook.'),
    setup.kind === 'registered'
      ? h('p', { 'data-testid': 'webhook-setup' }, '✔ Webhook registered automatically on the platform.')
      : setup.kind === 'manual'
        ? h('div', { 'data-testid': 'webhook-setup' }, h('p', {}, h('strong', {}, setup.instructions.title)), h('ol', {}, ...setup.instructions.steps.map((s) => h('li', {}, s))), h('p', { class: 'muted' }, 'You can show these steps and the secret again from the connections list (“Webhook”).'))
        : null,
    h('p', { class: 'muted' }, 'The first sync has started: watch its progress in the connections list.'),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Connections, progress and history

async function refreshConnections() {
  const res = await api<Connection[]>('GET', '/api/connections');
  connections = res.body;
  const rows = $('connection-rows');
  if (!connections.length) {
    rows.replaceChildren(h('tr', {}, h('td', { colspan: '7', class: 'muted' }, 'No connection yet.')));
  } else {
    rows.replaceChildren(...connections.map(connectionRow));
  }
  const csv = $<HTMLSelectElement>('csv-connection');
  const selected = csv.value;
  const csvConnections = connections.filter((c) => c.platform === 'csv');
  csv.replaceChildren(...(csvConnections.length ? csvConnections.map((c) => h('option', { value: c.id, selected: c.id === selected }, `${c.accountName} (${c.id})`)) : [h('option', { value: '' }, 'connect the CSV import platform first')]));
}

function connectionRow(c: Connection): HTMLElement {
  const p = platforms.find((x) => x.id === c.platform);
  const run = lastRuns.get(c.id);
  const button = (label: string, action: () => void, cls = 'secondary small') => {
    const b = h('button', { type: 'button', class: cls, 'data-action': label.toLowerCase() }, label);
    b.addEventListener('click', action);
    return b;
  };
  const status = h('span', { class: `status-${c.status}` }, c.status);
  const progress = h('div', { class: 'progress', 'data-progress': c.id, hidden: !run });
  if (run) paintRun(progress, run);
  return h(
    'tr',
    { 'data-connection': c.id },
    h('td', {}, p ? h('span', { class: 'badge', style: `background:${p.badge.color};width:1.8rem;height:1.8rem;font-size:0.7rem` }, p.badge.initials) : c.platform),
    h('td', {}, c.accountName, h('br'), h('small', { class: 'muted' }, c.id), progress),
    h('td', {}, c.syncMode),
    h('td', {}, status, c.statusReason ? h('small', { class: 'error' }, ` ${c.statusReason.message}`) : null),
    h('td', { 'data-last-sync': c.id }, !run ? '—' : run.status === 'running' ? 'running…' : `${ago(run.finishedAt ?? run.startedAt)} · ${run.ticketsSynced} tickets`),
    h('td', {}, c.nextPollAt ? (Date.parse(c.nextPollAt) <= Date.now() + 1000 ? 'now' : ago(c.nextPollAt)) : c.status === 'paused' ? 'paused' : '—'),
    h(
      'td',
      {},
      button('Sync now', () => void api('POST', `/api/connections/${c.id}/sync`)),
      ' ',
      c.status === 'paused' ? button('Resume', () => void act(c, 'resume')) : button('Pause', () => void act(c, 'pause')),
      ' ',
      button('History', () => void showHistory(c)),
      ' ',
      c.webhookUrl ? button('Webhook', () => void showWebhook(c)) : '',
      ' ',
      p && c.platform !== 'csv' ? button('Rotate credentials', () => openForm(p, c)) : '',
      ' ',
      button('Disconnect', () => void disconnect(c), 'danger small'),
    ),
  );
}

async function act(c: Connection, action: 'pause' | 'resume') {
  await api('POST', `/api/connections/${c.id}/${action}`);
  await refreshConnections();
}

async function disconnect(c: Connection) {
  if (!confirm(`Disconnect ${c.accountName}? Its webhook is removed and its state deleted.`)) return;
  await api('DELETE', `/api/connections/${c.id}`);
  await refreshConnections();
}

async function showWebhook(c: Connection) {
  const res = await api<{ url: string; kind: string; instructions?: Instructions; secret?: string | null }>('GET', `/api/connections/${c.id}/webhook`);
  const box = $('webhook-panel');
  box.hidden = false;
  const w = res.body;
  const secret = h('code', { 'data-testid': 'webhook-secret' }, '••••••••');
  const reveal = h('button', { type: 'button', class: 'secondary small' }, 'Reveal secret');
  reveal.addEventListener('click', () => {
    const shown = secret.textContent !== '••••••••';
    secret.textContent = shown ? '••••••••' : (w.secret ?? '');
    reveal.textContent = shown ? 'Reveal secret' : 'Hide secret';
  });
  fill(box,
    h('h3', {}, `Webhook of ${c.accountName}`),
    h('p', {}, 'URL: ', h('code', {}, w.url)),
    w.kind === 'registered' ? h('p', {}, '✔ Registered automatically on the platform.') : null,
    w.instructions ? h('div', {}, h('p', {}, h('strong', {}, w.instructions.title)), h('ol', {}, ...w.instructions.steps.map((s) => h('li', {}, s)))) : null,
    w.secret ? h('p', {}, 'Signing secret: ', secret, ' ', reveal) : null,
  );
}

async function showHistory(c: Connection) {
  const res = await api<Run[]>('GET', `/api/connections/${c.id}/history?limit=50`);
  const runs = res.body;
  const box = $('history');
  box.hidden = false;
  const rows = runs.map((r) => {
    const errors = Array.isArray(r.errors) ? r.errors : [];
    const took = r.finishedAt ? duration(Date.parse(r.finishedAt) - Date.parse(r.startedAt)) : '—';
    const retry = r.status === 'retrying' && r.nextRetryAt ? `attempt ${r.attempt}, retry ${ago(r.nextRetryAt)}` : r.attempt > 1 ? `attempt ${r.attempt}` : '—';
    return h(
      'tr',
      {},
      h('td', {}, new Date(r.startedAt).toLocaleString()),
      h('td', {}, r.trigger),
      h('td', { class: r.status === 'succeeded' ? 'status-active' : r.status === 'failed' ? 'status-error' : '' }, r.status),
      h('td', {}, String(r.ticketsSynced)),
      h('td', {}, String(r.pages)),
      h('td', {}, took),
      h('td', {}, retry),
      h('td', {}, errors.length ? errors.slice(0, 3).map((e) => e.message).join('; ') : '—'),
    );
  });
  fill(box,
    h('h3', {}, `Sync history of ${c.accountName}`),
    h('p', {}, `Last sync: ${runs[0] ? ago(runs[0].finishedAt ?? runs[0].startedAt) : 'never'} · tickets synced in these runs: ${runs.reduce((n, r) => n + r.ticketsSynced, 0)}`),
    chart(runs),
    h('table', {}, h('thead', {}, h('tr', {}, ...['Started', 'Trigger', 'Status', 'Tickets', 'Pages', 'Duration', 'Retry', 'Errors'].map((t) => h('th', {}, t)))), h('tbody', {}, ...rows)),
  );
  box.scrollIntoView({ behavior: 'smooth', block: 'start' });
}

/** Runs over time as bars: height = tickets synced (log scale: a backfill dwarfs the polls), colour = outcome. */
function chart(runs: Run[]): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const el = <K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>) => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    return e;
  };
  const W = 600;
  const H = 120;
  const svg = el('svg', { class: 'chart', width: W, height: H + 20, viewBox: `0 0 ${W} ${H + 20}`, role: 'img', 'aria-label': 'Sync runs over time' });
  const ordered = [...runs].reverse();
  if (!ordered.length) return svg;
  const t0 = Date.parse(ordered[0]!.startedAt);
  const t1 = Math.max(t0 + 1, Date.parse(ordered[ordered.length - 1]!.startedAt));
  const max = Math.log10(1 + Math.max(1, ...ordered.map((r) => r.ticketsSynced)));
  const bar = Math.max(4, Math.min(24, (W - 40) / ordered.length - 2));
  for (const r of ordered) {
    const x = 20 + ((Date.parse(r.startedAt) - t0) / (t1 - t0)) * (W - 40 - bar);
    const h1 = Math.max(2, (Math.log10(1 + r.ticketsSynced) / max) * (H - 10));
    const colour = r.status === 'succeeded' ? '#2e7d32' : r.status === 'running' ? '#1f6feb' : r.status === 'retrying' ? '#f9a825' : '#c62828';
    const rect = el('rect', { x, y: H - h1, width: bar, height: h1, fill: colour, rx: 2 });
    const title = el('title', {});
    title.textContent = `${new Date(r.startedAt).toLocaleTimeString()} ${r.trigger} ${r.status}: ${r.ticketsSynced} tickets`;
    rect.append(title);
    svg.append(rect);
  }
  const axis = el('line', { x1: 10, y1: H, x2: W - 10, y2: H, stroke: '#999' });
  const label = el('text', { x: 10, y: H + 15, 'font-size': 11, fill: '#666' });
  label.textContent = `${new Date(t0).toLocaleTimeString()} → ${new Date(t1).toLocaleTimeString()} · bar height: tickets synced (log)`;
  svg.append(axis, label);
  return svg;
}

function onProgress(p: Progress) {
  const box = document.querySelector<HTMLElement>(`[data-progress="${CSS.escape(p.connectionId)}"]`);
  if (!box) return;
  box.hidden = false;
  box.dataset.state = 'running';
  // Without the platform's total the bar cannot know how far it is: it stays indeterminate (moving).
  const bar = p.total !== undefined ? h('progress', { max: String(Math.max(p.total, p.tickets, 1)), value: String(p.tickets) }) : h('progress', {});
  const eta = p.etaMs !== undefined ? ` · ETA ${duration(Math.round(p.etaMs))}` : '';
  box.replaceChildren(bar, h('small', {}, `page ${p.pages} · ${p.tickets}${p.total !== undefined ? ` / ${p.total}` : ''} tickets · ${Math.round(p.ticketsPerSecond)}/s${eta}`));
}

function onRun(r: Run & { willRetry?: boolean }) {
  lastRuns.set(r.connectionId, r);
  const box = document.querySelector<HTMLElement>(`[data-progress="${CSS.escape(r.connectionId)}"]`);
  if (!box) return void refreshConnections();
  paintRun(box, r);
  // The next poll moved: the list says when.
  if (r.status !== 'running') void refreshConnections();
  const cell = document.querySelector<HTMLElement>(`[data-last-sync="${CSS.escape(r.connectionId)}"]`);
  if (cell && r.status !== 'running') cell.textContent = `${ago(r.finishedAt ?? r.startedAt)} · ${r.ticketsSynced} tickets`;
}

/** The run's state under its connection: a bar while it runs, its outcome once it ended. */
function paintRun(box: HTMLElement, r: Run & { willRetry?: boolean }) {
  box.hidden = false;
  if (r.status === 'running') {
    box.dataset.state = 'running';
    box.replaceChildren(h('progress', {}), h('small', {}, `${r.trigger} sync started…`));
    return;
  }
  box.dataset.state = r.status === 'succeeded' ? 'done' : 'failed';
  const took = r.finishedAt ? duration(Date.parse(r.finishedAt) - Date.parse(r.startedAt)) : '';
  fill(box,
    h('progress', { max: '1', value: r.status === 'succeeded' ? '1' : '0' }),
    h('small', {}, r.status === 'succeeded' ? `✔ ${r.trigger} sync: ${r.ticketsSynced} tickets in ${took}` : `✖ ${r.trigger} sync ${r.status}${r.willRetry || r.status === 'retrying' ? ' (will retry)' : ''}`),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Live feed

const MAX_FEED = 50;
let pendingTickets: FeedTicket[] = [];

function ticketItem(t: FeedTicket): HTMLElement {
  const subject = t.url ? h('a', { href: t.url, target: '_blank', rel: 'noopener' }, t.subject || '(no subject)') : t.subject || '(no subject)';
  return h('li', { 'data-ticket': t.ticketId }, h('span', { class: 'tag' }, t.platform), h('span', { class: 'tag' }, `${t.type.replace('ticket.', '')} via ${t.source}`), `#${t.ticketId} `, subject, h('small', { class: 'muted' }, ` · ${t.status}${t.priority ? ` · ${t.priority}` : ''}${t.requester ? ` · ${t.requester}` : ''}`));
}

/** Tickets arrive by the thousand during a backfill: the list is redrawn at most four times a second. */
function queueTicket(t: FeedTicket) {
  if (!pendingTickets.length) setTimeout(flushTickets, 250);
  pendingTickets.push(t);
  if (pendingTickets.length > MAX_FEED) pendingTickets = pendingTickets.slice(-MAX_FEED);
}

function flushTickets() {
  const list = $('tickets');
  list.querySelector('.muted')?.remove();
  for (const t of pendingTickets) list.prepend(ticketItem(t));
  pendingTickets = [];
  while (list.children.length > MAX_FEED) list.lastElementChild!.remove();
}

function alertItem(a: Alert): HTMLElement {
  const link = a.url ? h('a', { href: a.url, target: '_blank', rel: 'noopener', 'data-testid': 'alert-link' }, `open #${a.ticketId} on ${a.platform}`) : h('span', {}, `#${a.ticketId}`);
  return h(
    'li',
    { 'data-alert': a.ticketId, 'data-source': a.source },
    h('strong', {}, a.subject || '(no subject)'),
    h('br'),
    h('span', { class: 'tag' }, a.platform),
    h('span', { class: 'tag' }, `via ${a.source}`),
    ...a.reasons.filter((r) => !r.startsWith('hostile')).map((r) => h('span', { class: 'tag' }, r)),
    a.words.length ? h('span', {}, 'hostile words: ', ...a.words.flatMap((w, i) => [i ? ' ' : '', h('mark', {}, w)]), ` (score ${a.score}) `) : null,
    link,
    h('small', { class: 'muted' }, ` · ${new Date(a.at).toLocaleTimeString()}`),
  );
}

function addAlert(a: Alert) {
  const list = $('alerts');
  list.querySelector('.muted')?.remove();
  list.prepend(alertItem(a));
  while (list.children.length > 30) list.lastElementChild!.remove();
}

// ---------------------------------------------------------------------------------------------------------------
// CSV upload

async function csv(dryRun: boolean) {
  const out = $('csv-output');
  const id = $<HTMLSelectElement>('csv-connection').value;
  const file = $<HTMLInputElement>('csv-file').files?.[0];
  if (!id || !file) {
    out.replaceChildren(h('p', { class: 'error' }, !id ? 'Connect the “CSV import” platform first.' : 'Choose a file.'));
    return;
  }
  const tz = encodeURIComponent($<HTMLInputElement>('csv-tz').value.trim() || 'UTC');
  out.replaceChildren(h('p', { class: 'muted' }, dryRun ? 'Reading the first rows…' : 'Importing…'));
  const res = await api<Record<string, unknown>>('POST', `/api/connections/${id}/csv/${dryRun ? 'preview' : 'import'}?timeZone=${tz}`, undefined, file);
  if (res.status !== 200) {
    out.replaceChildren(h('p', { class: 'error' }, res.body.error));
    return;
  }
  if (dryRun) {
    const p = res.body as unknown as { columns: string[]; mapping: { columns?: Record<string, string> } & Record<string, unknown>; tickets: Array<Record<string, unknown>>; errors: Array<{ at: string; field: string; reason: string }>; truncated: boolean };
    fill(out,
      h('p', {}, `Columns: ${p.columns.join(', ')}`),
      h('p', {}, `Rows read: ${p.tickets.length + p.errors.length}${p.truncated ? ' (the file has more)' : ''}; ${p.tickets.length} would be imported, ${p.errors.length} refused. Nothing was imported.`),
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, ...['Id', 'Subject', 'Status', 'Priority', 'Requester', 'Updated'].map((t) => h('th', {}, t)))),
        h('tbody', {}, ...p.tickets.slice(0, 20).map((t) => h('tr', {}, h('td', {}, String(t.externalId ?? '')), h('td', {}, String(t.subject ?? '')), h('td', {}, String(t.status ?? '')), h('td', {}, String(t.priority ?? '')), h('td', {}, String((t.requester as { name?: string } | null)?.name ?? '')), h('td', {}, String(t.updatedAt ?? ''))))),
      ),
      p.errors.length ? h('ul', { class: 'error' }, ...p.errors.map((e) => h('li', {}, `${e.at}, ${e.field}: ${e.reason}`))) : null,
    );
  } else {
    const r = res.body as unknown as { run: Run; progress: { rows: number; rejected: number }; rejected: Array<{ at: string; field: string; reason: string }> };
    fill(out,
      h('p', { class: 'status-active' }, `Imported: ${r.progress.rows} rows, ${r.run.ticketsSynced} new or changed tickets, ${r.run.duplicatesDropped ?? 0} unchanged, ${r.progress.rejected} refused.`),
      r.rejected.length ? h('ul', { class: 'error' }, ...r.rejected.map((e) => h('li', {}, `${e.at}, ${e.field}: ${e.reason}`))) : null,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------

function follow() {
  const source = new EventSource('/api/events');
  const pill = $('live');
  source.onopen = () => {
    pill.textContent = 'live';
    pill.className = 'pill on';
  };
  source.onerror = () => {
    pill.textContent = 'reconnecting…';
    pill.className = 'pill';
  };
  source.addEventListener('progress', (e) => onProgress(JSON.parse((e as MessageEvent<string>).data) as Progress));
  source.addEventListener('run', (e) => onRun(JSON.parse((e as MessageEvent<string>).data) as Run));
  source.addEventListener('ticket', (e) => queueTicket(JSON.parse((e as MessageEvent<string>).data) as FeedTicket));
  source.addEventListener('alert', (e) => addAlert(JSON.parse((e as MessageEvent<string>).data) as Alert));
  source.addEventListener('connection', () => void refreshConnections());
}

async function main() {
  follow();
  platforms = (await api<Platform[]>('GET', '/api/platforms')).body;
  renderPlatforms();
  $('fill').addEventListener('click', fillSimulator);
  $('test').addEventListener('click', () => void submit(true));
  $('signin').addEventListener('click', () => void signIn());
  $('cancel').addEventListener('click', () => {
    $<HTMLFormElement>('connect-form').hidden = true;
    form = undefined;
  });
  $<HTMLFormElement>('connect-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void submit(false);
  });
  $('csv-preview').addEventListener('click', () => void csv(true));
  $('csv-import').addEventListener('click', () => void csv(false));
  for (const t of (await api<FeedTicket[]>('GET', '/api/tickets?limit=50')).body.reverse()) queueTicket(t);
  for (const a of (await api<Alert[]>('GET', '/api/alerts')).body.slice(0, 30).reverse()) addAlert(a);
  await refreshConnections();
  for (const c of connections) {
    const [last] = (await api<Run[]>('GET', `/api/connections/${c.id}/history?limit=1`)).body;
    if (last) lastRuns.set(c.id, last);
  }
  await refreshConnections();
  // Back from a platform's sign-in page.
  const params = new URLSearchParams(location.search);
  const connected = params.get('connected');
  if (connected) {
    const res = await api<Connection>('GET', `/api/connections/${encodeURIComponent(connected)}`);
    if (res.status === 200) showResult(res.body);
  }
  const signInError = params.get('signInError');
  if (signInError) {
    const box = $('result');
    box.hidden = false;
    box.replaceChildren(h('p', { class: 'error' }, `Sign-in failed: ${signInError}`));
  }
  if (connected || signInError) history.replaceState(null, '', '/');
  // Relative times ("2 min ago", "in 14 min") stay true.
  setInterval(() => void refreshConnections(), 30_000);
}

void main();
