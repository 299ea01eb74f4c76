import { createHash } from 'node:crypto';
import type { SimTrigger, SimWebhook, SimZendeskTicket, ZendeskSimAuth, ZendeskSimRequestRecord, ZendeskSimulatorOptions } from './types.js';

/** A user of the simulated account. */
export interface SimUser {
  id: number;
  name: string;
  email: string;
  role: 'admin' | 'agent' | 'end-user';
}

/** A ticket comment as List Comments returns it. */
export interface SimComment {
  id: number;
  type: 'Comment';
  author_id: number;
  body: string;
  html_body: string;
  plain_body: string;
  public: boolean;
  attachments: never[];
  audit_id: number;
  via: { channel: string };
  created_at: string;
}

/** Everything the simulated account holds; the routes, the generator and the webhook sender share it. */
export interface SimState {
  readonly seed: number;
  readonly subdomain: string;
  readonly origin: string;
  readonly accountId: number;
  readonly apiToken: string;
  readonly options: ZendeskSimulatorOptions<ZendeskSimAuth>;
  readonly users: SimUser[];
  readonly agents: SimUser[];
  readonly customers: SimUser[];
  readonly organizations: Array<{ id: number; name: string }>;
  readonly userById: Map<number, SimUser>;
  readonly orgById: Map<number, { id: number; name: string }>;
  readonly tickets: Map<number, SimZendeskTicket>;
  readonly comments: Map<number, SimComment[]>;
  readonly webhooks: Map<string, SimWebhook>;
  readonly triggers: Map<number, SimTrigger>;
  readonly log: ZendeskSimRequestRecord[];
  ids: { ticket: number; comment: number; trigger: number; delivery: number };
  /** Added to the real time; update() and clock.advance() grow it. */
  offsetMs: number;
  /**
   * Bumped by every change that adds a ticket or moves one in the export's order (its `generated_timestamp`): the
   * export keeps its tickets sorted between changes and sorts again only when this moved.
   */
  revision: number;
  /** The simulator's time in ms, at second precision like Zendesk's REST timestamps. */
  now(): number;
  ticket(externalId: string): SimZendeskTicket;
  addComment(ticket: SimZendeskTicket, c: { authorId: number; body: string; public: boolean; at: number; html?: string; plainBody?: string }): void;
}

/** Zendesk's REST timestamps: ISO-8601 UTC at second precision (`2009-07-20T22:55:29Z`). */
export const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Creates the account: its users, organizations and empty tables. */
export function createSimState(options: ZendeskSimulatorOptions<ZendeskSimAuth>): SimState {
  const seed = options.seed ?? 1;
  const subdomain = options.subdomain ?? 'acmecorp';
  const users: SimUser[] = [
    { id: 1001, name: 'Ada Admin', email: `admin@${subdomain}.test`, role: 'admin' },
    { id: 1002, name: 'Aaron Agent', email: `agent@${subdomain}.test`, role: 'agent' },
    { id: 1003, name: 'Beatriz Agent', email: `beatriz@${subdomain}.test`, role: 'agent' },
    { id: 1004, name: 'Chen Wei 陈伟', email: `chen@${subdomain}.test`, role: 'agent' },
  ];
  const endUserNames = ['Zoë Ångström', 'John Doe', 'Amara Okafor', 'José Álvarez', 'Priya Nair', 'Олег Петров', 'Fatima Zahra', 'Liam Murphy'];
  endUserNames.forEach((name, i) => users.push({ id: 2001 + i, name, email: `customer${i + 1}@example.com`, role: 'end-user' }));
  const organizations = [
    { id: 509974, name: 'Acme Holdings' },
    { id: 509975, name: 'Globex' },
    { id: 509976, name: 'Initech' },
  ];
  const comments = new Map<number, SimComment[]>();
  const tickets = new Map<number, SimZendeskTicket>();
  const state: SimState = {
    seed,
    subdomain,
    origin: `https://${subdomain}.zendesk.com`,
    accountId: 9_000_000 + seed,
    apiToken: `zdsim${createHash('sha256').update(`token:${seed}`).digest('hex').slice(0, 35)}`,
    options,
    users,
    agents: users.filter((u) => u.role !== 'end-user'),
    customers: users.filter((u) => u.role === 'end-user'),
    organizations,
    userById: new Map(users.map((u) => [u.id, u])),
    orgById: new Map(organizations.map((o) => [o.id, o])),
    tickets,
    comments,
    webhooks: new Map(),
    triggers: new Map(),
    log: [],
    ids: { ticket: 35436, comment: 9_000_000, trigger: 360_000_001, delivery: 0 },
    // Waiting a minute makes a change visible to the export, as on Zendesk; the offset lets tests skip the wait.
    offsetMs: options.clockStart ? Date.parse(options.clockStart) - Date.now() : 0,
    revision: 0,
    now: () => Math.floor((Date.now() + state.offsetMs) / 1000) * 1000,
    ticket(externalId) {
      const t = tickets.get(Number(externalId));
      if (!t) throw new Error(`simulator has no ticket ${externalId}`);
      return t;
    },
    addComment(ticket, c) {
      const list = comments.get(ticket.id) ?? [];
      list.push({
        id: state.ids.comment++,
        type: 'Comment',
        author_id: c.authorId,
        body: c.body,
        html_body: c.html ?? `<div class="zd-comment" dir="auto"><p>${escapeHtml(c.body)}</p></div>`,
        plain_body: c.plainBody ?? c.body,
        public: c.public,
        attachments: [],
        audit_id: state.ids.comment++,
        via: { channel: ticket.via.channel },
        created_at: iso(c.at),
      });
      comments.set(ticket.id, list);
    },
  };
  return state;
}

/** A user as the Users API shows it (side-loads, `users/me`). */
export function userJson(state: SimState, u: SimUser) {
  return { id: u.id, url: `${state.origin}/api/v2/users/${u.id}.json`, name: u.name, email: u.email, role: u.role, active: true, verified: true, time_zone: 'UTC', locale: 'en-US' };
}

/** A copy of a stored ticket, so a caller cannot change the account through a response. */
export function ticketJson(t: SimZendeskTicket): SimZendeskTicket {
  return { ...t, tags: t.tags ? [...t.tags] : null, custom_fields: t.custom_fields.map((f) => ({ ...f })) };
}
