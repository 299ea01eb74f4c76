import { createHash } from 'node:crypto';
import { createTicketGenerator } from '@ticketbridge/core/testing';
import type { JiraSimRequestRecord, JiraSimulatorOptions, SimAccount, SimIssue, SimProject } from './types.js';

/**
 * Statuses of the site with their categories (JSM's default service-request workflows; category keys `new`,
 * `indeterminate`, `done` from GET /rest/api/3/statuscategory). Ids as Jira numbers statuses.
 */
export const STATUSES: Record<string, { id: string; category: 'new' | 'indeterminate' | 'done' }> = {
  'Waiting for support': { id: '10001', category: 'new' },
  'Waiting for customer': { id: '10002', category: 'indeterminate' },
  'In Progress': { id: '3', category: 'indeterminate' },
  Escalated: { id: '10003', category: 'indeterminate' },
  Pending: { id: '10004', category: 'indeterminate' },
  Resolved: { id: '5', category: 'done' },
  Closed: { id: '6', category: 'done' },
  Canceled: { id: '10005', category: 'done' },
};

/** Status category objects as issues embed them. */
export const CATEGORIES = {
  new: { self: '', id: 2, key: 'new', colorName: 'blue-gray', name: 'To Do' },
  indeterminate: { self: '', id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' },
  done: { self: '', id: 3, key: 'done', colorName: 'green', name: 'Done' },
} as const;

/** Jira Cloud's default priorities, with their ids. */
export const PRIORITIES: Record<string, string> = { Highest: '1', High: '2', Medium: '3', Low: '4', Lowest: '5' };

/** Custom fields of the site (ids differ per site in real life; these are typical). */
export const FIELD_IDS = {
  requestType: 'customfield_10010',
  organizations: 'customfield_10002',
  timeToResolution: 'customfield_10030',
  timeToFirstResponse: 'customfield_10031',
  notes: 'customfield_10050',
} as const;

/** What the simulated site holds; routes, generator and webhook sender share it. */
export interface SimState {
  readonly seed: number;
  readonly subdomain: string;
  readonly site: string;
  readonly cloudId: string;
  readonly options: JiraSimulatorOptions;
  readonly siteZone: string;
  /** The API user (agent, admin unless the options say otherwise). */
  readonly me: SimAccount;
  readonly accounts: Map<string, SimAccount>;
  /** `email:token` pairs of classic API tokens, to the account. */
  readonly tokens: Map<string, SimAccount>;
  /** Scoped tokens: accepted only through the gateway. */
  readonly scopedTokens: Map<string, SimAccount>;
  readonly apiToken: string;
  readonly expiredToken: string;
  readonly scopedToken: string;
  readonly projects: SimProject[];
  readonly issues: Map<string, SimIssue>;
  /** Deleted issues, kept for the `jira:issue_deleted` payload only. */
  readonly deleted: Map<string, SimIssue>;
  /** Admin webhooks registered through the REST API. */
  readonly webhooks: Map<string, { id: string; name: string; url: string; events: string[]; jql: string | null; secret: string | null }>;
  readonly log: JiraSimRequestRecord[];
  /** Issues written but not yet searchable (the index lags), whatever their age. */
  readonly lagging: Set<string>;
  ids: { issue: number; comment: number; webhook: number; perProject: Record<string, number> };
  now(): number;
  issue(externalId: string): SimIssue;
  /** Jira's timestamp form in the site's zone: `2024-01-05T08:00:00.000+0100`. */
  time(ms: number): string;
}

const hash = (text: string) => createHash('sha256').update(text).digest();

/** Offset of a zone at an instant, in minutes (from Intl, as any client of the zone would compute it). */
export function zoneOffsetMinutes(ms: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? '0');
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** `2024-01-05T08:00:00.000+0100`: Jira's REST timestamp, in a zone, milliseconds kept. */
export function formatJiraTime(ms: number, zone: string): string {
  const offset = zoneOffsetMinutes(ms, zone);
  const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

/** The instant a local wall-clock time names in a zone (the earlier one when the clock repeats an hour). */
export function localToInstant(local: { y: number; mo: number; d: number; h: number; mi: number }, zone: string): number {
  const guess = Date.UTC(local.y, local.mo - 1, local.d, local.h, local.mi);
  // Two passes settle the offset on either side of a DST change.
  let at = guess - zoneOffsetMinutes(guess, zone) * 60_000;
  at = guess - zoneOffsetMinutes(at, zone) * 60_000;
  const earlier = at - 3_600_000;
  return guess - zoneOffsetMinutes(earlier, zone) * 60_000 === earlier ? earlier : at;
}

/** Creates the site: its accounts, projects and empty tables. */
export function createSimState(options: JiraSimulatorOptions): SimState {
  const seed = options.seed ?? 1;
  const subdomain = options.subdomain ?? 'acme';
  const zone = options.timeZone ?? 'America/Los_Angeles';
  const h = hash(`jira:${seed}`).toString('hex');
  // Account ids look like Atlassian's (`5b10a2844c20165700ede21g`, or `712020:` + uuid).
  const account = (n: number, fields: Omit<SimAccount, 'accountId'>): SimAccount => ({ accountId: `5b10a2844c20165700ede${String(n).padStart(3, '0')}`, ...fields });
  const me = account(1, { accountType: 'atlassian', displayName: 'Ada Agent', emailAddress: `ada@${subdomain}.example.com`, timeZone: zone, active: true, admin: options.admin ?? true, projects: ['SUP', 'HELP'] });
  const accounts = new Map<string, SimAccount>();
  const add = (a: SimAccount) => {
    accounts.set(a.accountId, a);
    return a;
  };
  add(me);
  const blind = add(account(2, { accountType: 'atlassian', displayName: 'Bo Developer', emailAddress: `bo@${subdomain}.example.com`, timeZone: 'Europe/Berlin', active: true, admin: false, projects: [] }));
  const customer = add(account(3, { accountType: 'customer', displayName: 'Carla Customer', emailAddress: 'carla@customer.example.org', timeZone: 'UTC', active: true, admin: false, projects: [] }));
  add(account(4, { accountType: 'atlassian', displayName: 'Chen Wei 陈伟', emailAddress: null, timeZone: 'Asia/Shanghai', active: true, admin: false, projects: ['SUP', 'HELP'] }));
  add(account(5, { accountType: 'atlassian', displayName: 'Aaron Agent', emailAddress: `aaron@${subdomain}.example.com`, timeZone: 'UTC', active: true, admin: false, projects: ['SUP'] }));
  // Classic API tokens are ~192 characters starting with ATATT; scoped ones look the same.
  const token = (name: string) => `ATATT3xFfGF0${Buffer.from(hash(`${name}:${seed}`)).toString('base64url')}${h.slice(0, 16)}=${h.slice(16, 24).toUpperCase()}`;
  const apiToken = token('me');
  const expiredToken = token('expired');
  const scopedToken = token('scoped');
  const tokens = new Map<string, SimAccount>([
    [`${me.emailAddress}:${apiToken}`, me],
    [`${blind.emailAddress}:${token('blind')}`, blind],
    [`${customer.emailAddress}:${token('customer')}`, customer],
  ]);
  const state: SimState = {
    seed,
    subdomain,
    site: `https://${subdomain}.atlassian.net`,
    cloudId: [h.slice(0, 8), h.slice(8, 12), `4${h.slice(13, 16)}`, `a${h.slice(17, 20)}`, h.slice(20, 32)].join('-'),
    options,
    siteZone: zone,
    me,
    accounts,
    tokens,
    scopedTokens: new Map([[`${me.emailAddress}:${scopedToken}`, me]]),
    apiToken,
    expiredToken,
    scopedToken,
    projects: [
      { id: '10000', key: 'SUP', name: 'Customer Support', projectTypeKey: 'service_desk', serviceDeskId: '1' },
      { id: '10001', key: 'HELP', name: 'IT Help 🛠', projectTypeKey: 'service_desk', serviceDeskId: '2' },
      { id: '10002', key: 'DEV', name: 'Development', projectTypeKey: 'software', serviceDeskId: null },
    ],
    issues: new Map(),
    deleted: new Map(),
    webhooks: new Map(),
    log: [],
    lagging: new Set(),
    ids: { issue: 10001, comment: 10100, webhook: 1, perProject: {} },
    now: () => Date.now(),
    issue(externalId) {
      const i = state.issues.get(externalId);
      if (!i) throw new Error(`simulator has no issue ${externalId}`);
      return i;
    },
    time: (ms) => formatJiraTime(ms, zone),
  };
  return state;
}

/** Accounts that are token holders of `email:token` pairs known to the site, for tests of refused credentials. */
export function tokenFor(state: SimState, email: string | null): string | undefined {
  for (const [pair, a] of state.tokens) if (a.emailAddress === email) return pair.slice(pair.indexOf(':') + 1);
  return undefined;
}

/** The generator of the site's issues (the kit's, seeded). */
export function createGenerator(state: SimState) {
  return createTicketGenerator({ seed: state.seed, ...(state.options.start ? { start: state.options.start } : {}) });
}
