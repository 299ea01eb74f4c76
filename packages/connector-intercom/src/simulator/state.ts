import { createHash } from 'node:crypto';
import { TicketTable, createTicketGenerator } from '@ticketbridge/core/testing';
import type { IntercomSimRequestRecord, IntercomSimulatorOptions, SimConversation, SimPart, SimTicket, SimTicketPart } from './types.js';

/** Intercom timestamps: UNIX seconds. */
export const seconds = (ms: number) => Math.floor(ms / 1000);

export const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** An admin (teammate) of the simulated workspace. */
export interface SimAdmin {
  id: string;
  name: string;
  email: string;
}

/**
 * The workspace's ticket states: the four built-in ones and two custom ones filed under a category, as `GET
 * /ticket_states` lists them (custom states carry their own labels and one of the four categories).
 */
export const TICKET_STATES = [
  { type: 'ticket_state', id: '8498', category: 'submitted', internal_label: 'Submitted', external_label: 'Submitted' },
  { type: 'ticket_state', id: '8499', category: 'in_progress', internal_label: 'In progress', external_label: 'In progress' },
  { type: 'ticket_state', id: '8500', category: 'waiting_on_customer', internal_label: 'Waiting on customer', external_label: 'Awaiting your reply' },
  { type: 'ticket_state', id: '8501', category: 'resolved', internal_label: 'Resolved', external_label: 'Resolved' },
  { type: 'ticket_state', id: '9012', category: 'in_progress', internal_label: 'With Dev Team', external_label: 'In progress' },
  { type: 'ticket_state', id: '9013', category: 'waiting_on_customer', internal_label: 'Waiting on third party', external_label: 'Awaiting your reply' },
] as const;

/** One stored item: a conversation or a ticket, with its parts. */
export type SimRecord =
  | { kind: 'conversation'; data: SimConversation; parts: SimPart[] }
  | { kind: 'ticket'; data: SimTicket; parts: SimTicketPart[] };

/** Everything the simulated workspace holds; routes, generator and webhook sender share it. */
export interface SimState {
  readonly seed: number;
  readonly options: IntercomSimulatorOptions;
  readonly region: 'US' | 'EU' | 'AU';
  readonly appId: string;
  readonly accessToken: string;
  /** A token of another workspace: valid-looking, refused. */
  readonly clientSecret: string;
  readonly admins: SimAdmin[];
  readonly conversations: TicketTable<SimConversation>;
  readonly tickets: TicketTable<SimTicket>;
  readonly parts: Map<string, SimPart[] | SimTicketPart[]>;
  readonly log: IntercomSimRequestRecord[];
  /** Deleted conversation (and ticket) ids with their deletion time, as List all deleted conversation IDs serves them. */
  readonly deleted: Array<{ type: 'conversation'; id: string; metrics_retained: boolean; deleted_at: number }>;
  ids: { item: number; part: number; ticketNumber: number };
  /** Items made so far per kind: states and priorities cycle on them, so even a small workspace holds every value. */
  made: { conversation: number; ticket: number };
  /** The simulator's time: the real clock (webhooks fire "now", so items change "now" too). */
  now(): number;
  record(externalId: string): SimRecord;
  /** The record's kind and id when the external id is well formed, whether or not it still exists. */
  parse(externalId: string): { kind: 'conversation' | 'ticket'; id: string };
}

export function createSimState(options: IntercomSimulatorOptions): SimState {
  const seed = options.seed ?? 1;
  // App id codes are eight lower-case letters and digits (`a86dr8yl` in the Signed notifications example).
  const appId = createHash('sha256').update(`ic-app:${seed}`).digest('hex').replace(/[^a-z0-9]/g, '').slice(0, 8);
  // Access tokens are base64 of `tok:<uuid>:<app>:…` ("dG9rOm…"); the secret is 32 hex characters.
  const accessToken = Buffer.from(`tok:${createHash('sha256').update(`ic-token:${seed}`).digest('hex').slice(0, 36)}:${appId}`).toString('base64').replace(/=+$/, '');
  const clientSecret = createHash('sha256').update(`ic-secret:${seed}`).digest('hex').slice(0, 32);
  const conversations = new TicketTable<SimConversation>({ id: (c) => c.id, updatedAt: (c) => c.updated_at * 1000 });
  const tickets = new TicketTable<SimTicket>({ id: (t) => t.id, updatedAt: (t) => t.updated_at * 1000 });
  const parts = new Map<string, SimPart[] | SimTicketPart[]>();
  const state: SimState = {
    seed,
    options,
    region: options.region ?? 'US',
    appId,
    accessToken,
    clientSecret,
    admins: [
      { id: '991267459', name: 'Ciaran Lee', email: 'ciaran@example.com' },
      { id: '991267460', name: 'Zoë Ñandú', email: 'zoe@example.com' },
      { id: '991267461', name: '陈伟', email: 'chen@example.com' },
    ],
    conversations,
    tickets,
    parts,
    log: [],
    deleted: [],
    // Conversation and ticket ids come from one sequence, as the OpenAPI examples' ids do.
    ids: { item: 215471000001, part: 8000000001, ticketNumber: 1 },
    made: { conversation: 0, ticket: 0 },
    now: () => Date.now(),
    parse(externalId) {
      const m = /^(conversation|ticket):(\d+)$/.exec(externalId);
      if (!m) throw new Error(`simulator: "${externalId}" is not conversation:<id> or ticket:<id>`);
      return { kind: m[1] as 'conversation' | 'ticket', id: m[2]! };
    },
    record(externalId) {
      const { kind, id } = state.parse(externalId);
      if (kind === 'conversation') {
        const data = conversations.get(id);
        if (data) return { kind, data, parts: (parts.get(id) ?? []) as SimPart[] };
      } else {
        const data = tickets.get(id);
        if (data) return { kind, data, parts: (parts.get(id) ?? []) as SimTicketPart[] };
      }
      throw new Error(`simulator has no ${externalId}`);
    },
  };
  return state;
}

/** The generator of the workspace's items (the kit's, seeded), so the same seed always gives the same workspace. */
export function createGenerator(state: SimState) {
  return createTicketGenerator({ seed: state.seed, ...(state.options.start ? { start: state.options.start } : {}) });
}
