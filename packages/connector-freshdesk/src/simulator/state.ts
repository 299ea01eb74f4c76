import { createHash } from 'node:crypto';
import { createTicketGenerator, type GeneratedTicket } from '@ticketbridge/core/testing';
import type { FreshdeskSimRequestRecord, FreshdeskSimulatorOptions, SimConversation, SimFreshdeskTicket } from './types.js';

/** Freshdesk's REST timestamps: ISO-8601 UTC at whole seconds (`2019-08-12T07:37:13Z`). */
export const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A contact or agent of the simulated account. */
export interface SimPerson {
  id: number;
  name: string;
  email: string;
  mobile: string | null;
  phone: string | null;
}

/**
 * The status field of the simulated account, as `GET /api/v2/ticket_fields` prints its `choices`: code →
 * [label for agents, label for customers]. 2–5 are every account's; 6 and 7 are the custom statuses of the List All
 * Ticket Fields sample (https://developers.freshdesk.com/api/#list_all_ticket_fields), shown to customers with the
 * Pending and the Open label.
 */
export const STATUS_CHOICES: Record<string, [string, string]> = {
  '2': ['Open', 'Being Processed'],
  '3': ['Pending', 'Awaiting your Reply'],
  '4': ['Resolved', 'This ticket has been Resolved'],
  '5': ['Closed', 'This ticket has been Closed'],
  '6': ['Waiting on Customer', 'Awaiting your Reply'],
  '7': ['Waiting on Third Party', 'Being Processed'],
};
/** Priority labels as placeholders and the UI print them. */
export const PRIORITY_LABELS: Record<number, string> = { 1: 'Low', 2: 'Medium', 3: 'High', 4: 'Urgent' };

/** The agent behind an API key: ticket_scope 1 Global, 2 Group, 3 Restricted (developers.freshdesk.com/api/#agents). */
export interface SimKeyOwner {
  agent: SimPerson;
  ticketScope: 1 | 2 | 3;
  groupIds: number[];
}

/** Everything the simulated account holds; routes, generator and webhook sender share it. */
export interface SimState {
  readonly seed: number;
  readonly subdomain: string;
  readonly origin: string;
  readonly apiKey: string;
  /** The key of an agent with Group access (ticket_scope 2): it sees only its groups' tickets. */
  readonly groupKey: string;
  /** Who each key belongs to, and what that agent may see. */
  readonly keys: Map<string, SimKeyOwner>;
  readonly options: FreshdeskSimulatorOptions;
  readonly me: SimPerson;
  readonly agents: SimPerson[];
  readonly contacts: Map<string, SimPerson>;
  readonly tickets: Map<number, SimFreshdeskTicket>;
  readonly conversations: Map<number, SimConversation[]>;
  readonly log: FreshdeskSimRequestRecord[];
  credits: number;
  ids: { ticket: number; conversation: number; contact: number };
  /** The simulator's time: the real clock at whole seconds (webhooks fire "now", so tickets change "now" too). */
  now(): number;
  ticket(externalId: string): SimFreshdeskTicket;
  /** A contact for a generated requester, created on first use. */
  contact(person: GeneratedTicket['requester']): SimPerson;
}

/** Creates the account: its agents and empty tables. */
export function createSimState(options: FreshdeskSimulatorOptions): SimState {
  const seed = options.seed ?? 1;
  const subdomain = options.subdomain ?? 'acme';
  const agents: SimPerson[] = [
    { id: 48000000001, name: 'Ada Admin', email: `ada@${subdomain}.example.com`, mobile: null, phone: null },
    { id: 48000000002, name: 'Aaron Agent', email: `aaron@${subdomain}.example.com`, mobile: null, phone: null },
    { id: 48000000003, name: 'Chen Wei 陈伟', email: `chen@${subdomain}.example.com`, mobile: null, phone: '+86 10 1234 5678' },
  ];
  const contacts = new Map<string, SimPerson>();
  const tickets = new Map<number, SimFreshdeskTicket>();
  // Freshdesk API keys are 20 characters of letters and digits.
  const key = (name: string) => createHash('sha256').update(`fd-key:${name}:${seed}`).digest('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 20);
  const apiKey = key('admin');
  const groupKey = key('group-agent');
  const state: SimState = {
    seed,
    subdomain,
    origin: `https://${subdomain}.freshdesk.com`,
    apiKey,
    groupKey,
    keys: new Map<string, SimKeyOwner>([
      [apiKey, { agent: agents[0]!, ticketScope: 1, groupIds: [] }],
      [groupKey, { agent: agents[1]!, ticketScope: 2, groupIds: [48000123001] }],
    ]),
    options,
    me: agents[0]!,
    agents,
    contacts,
    tickets,
    conversations: new Map(),
    log: [],
    credits: 0,
    // Requester ids look like real ones (48008271709 in Freshdesk's own sample); ticket ids count from 1.
    ids: { ticket: 1, conversation: 48100000000, contact: 48008271709 },
    now: () => Math.floor(Date.now() / 1000) * 1000,
    ticket(externalId) {
      const t = tickets.get(Number(externalId));
      if (!t) throw new Error(`simulator has no ticket ${externalId}`);
      return t;
    },
    contact(person) {
      let c = contacts.get(person.id);
      if (!c) {
        c = { id: state.ids.contact++, name: person.name, email: person.email, mobile: null, phone: null };
        contacts.set(person.id, c);
      }
      return c;
    },
  };
  return state;
}

/** The generator of the account's tickets (the kit's, seeded), so the same seed always gives the same account. */
export function createGenerator(state: SimState) {
  return createTicketGenerator({ seed: state.seed, ...(state.options.start ? { start: state.options.start } : {}) });
}
