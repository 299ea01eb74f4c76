import { ResponseShapeError, type Comment, type Organization, type Person, type TicketDraft, type TicketPriority, type TicketStatus } from '@ticketbridge/core';
import { tombstone } from '@ticketbridge/core/toolkit';
import { adfToText } from './adf.js';
import { JiraIssue, type JiraComment, type JiraUser } from './api.js';
import { jiraSite } from './credentials.js';

/**
 * A status category key to the normalized status. Every Jira status belongs to one of three categories, whatever the
 * site named it (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-workflow-status-categories/):
 * `new` (To Do), `indeterminate` (In Progress) and `done` (Done); a status without one reports `undefined`
 * ("No Category"), read as open work. The status name is kept as `rawStatus`; {@link JiraStatusMap} overrides by name
 * (JSM's "Waiting for customer" is `indeterminate`, which a host may prefer to see as `pending`).
 */
export function mapJiraStatusCategory(categoryKey: string | null | undefined): TicketStatus {
  switch (categoryKey) {
    case 'new':
      return 'new';
    case 'done':
      return 'solved';
    case 'indeterminate':
    default:
      return 'open';
  }
}

/** Normalized statuses by Jira status name (case-insensitive), overriding the category's reading. */
export type JiraStatusMap = Readonly<Record<string, TicketStatus>>;

/**
 * Jira priority names to the four levels. Jira Cloud's defaults are Highest, High, Medium, Low, Lowest; sites migrated
 * from Jira Server often keep Blocker, Critical, Major, Minor, Trivial. A name a site invented is `null` (unknown),
 * with `rawPriority` keeping it.
 */
export function mapJiraPriority(name: string | null | undefined): TicketPriority | null {
  switch (name?.trim().toLowerCase()) {
    case 'highest':
    case 'blocker':
    case 'critical':
    case 'urgent':
      return 'urgent';
    case 'high':
    case 'major':
      return 'high';
    case 'medium':
    case 'normal':
      return 'normal';
    case 'low':
    case 'lowest':
    case 'minor':
    case 'trivial':
      return 'low';
    default:
      return null;
  }
}

/**
 * Jira timestamps (`2024-01-05T08:00:00.000+0100`: a numeric offset without a colon, which `Date.parse` is not
 * required to read) to ISO-8601 UTC.
 */
export function jiraTime(value: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  const normalized = m ? `${m[1]}${m[2] === undefined ? 'Z' : m[2] === 'Z' ? 'Z' : `${m[2].slice(0, 3)}:${m[2].slice(-2)}`}` : value;
  const ms = Date.parse(normalized);
  if (Number.isNaN(ms)) throw new ResponseShapeError(`timestamp "${value.slice(0, 40)}" is not a date`, { platform: 'jira' });
  return new Date(ms).toISOString();
}

/** The browse link of an issue: `https://{site}.atlassian.net/browse/{key}`. */
export function jiraIssueUrl(subdomain: string, key: string): string {
  return `${jiraSite(subdomain)}/browse/${encodeURIComponent(key)}`;
}

function person(user: JiraUser | null | undefined): Person | null {
  if (!user?.accountId) return null;
  return { externalId: user.accountId, name: user.displayName ?? null, email: user.emailAddress ?? null };
}

/** Comments to the normalized model: `jsdPublic: false` is a service desk's internal note; anything else is public. */
export function normalizeJiraComments(comments: readonly JiraComment[]): Comment[] {
  return comments.map((c) => ({
    externalId: c.id,
    author: person(c.author),
    body: adfToText(c.body),
    htmlBody: null,
    public: c.jsdPublic !== false,
    createdAt: jiraTime(c.created),
  }));
}

/** The site's ids of Jira Service Management's own custom fields (they differ per site). */
export interface JsmFieldIds {
  requestType?: string | undefined;
  organizations?: string | undefined;
  /** SLA fields by id, with their names ("Time to resolution"). */
  slas?: ReadonlyArray<{ id: string; name: string }>;
}

/** Options of {@link normalizeJiraIssue}. */
export interface NormalizeJiraOptions {
  subdomain: string;
  jsm?: JsmFieldIds;
  statusMap?: JiraStatusMap;
  /** Further custom fields (by id) copied into `customFields` as Jira sent them. */
  customFields?: readonly string[];
  /** The complete comment list, when it was read beyond what the issue embeds. */
  comments?: Comment[];
  /** Whether comments were asked for; without it, embedded comments are ignored. */
  includeComments?: boolean;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The request type's name from the `vp-origin` field: `{ requestType: { id, name }, currentStatus: {...} }`. */
function requestTypeName(value: unknown): string | null {
  const name = record(record(value)?.requestType)?.name;
  return typeof name === 'string' ? name : null;
}

/** The first customer organization from the organizations field: `[{ id, name }]`. */
function organization(value: unknown): Organization | null {
  if (!Array.isArray(value) || value.length === 0) return null;
  const first = record(value[0]);
  const id = first?.id;
  if (typeof id !== 'string' && typeof id !== 'number') return null;
  return { externalId: String(id), name: typeof first?.name === 'string' ? first.name : null };
}

/** An SLA field's state: whether its ongoing cycle is breached, and the remaining time (ms), or the last completed cycle's. */
function slaSummary(value: unknown): Record<string, unknown> | null {
  const sla = record(value);
  if (!sla) return null;
  const ongoing = record(sla.ongoingCycle);
  const completed = Array.isArray(sla.completedCycles) ? record(sla.completedCycles.at(-1)) : undefined;
  const cycle = ongoing ?? completed;
  if (!cycle) return { state: 'none' };
  const remaining = record(cycle.remainingTime)?.millis;
  return {
    state: ongoing ? (ongoing.paused === true ? 'paused' : 'ongoing') : 'completed',
    breached: cycle.breached === true,
    ...(typeof remaining === 'number' ? { remainingMs: remaining } : {}),
  };
}

/**
 * One Jira issue to the normalized model. The description is ADF read as text (the ADF stays in `raw`); the requester
 * is the reporter, who on a service desk request is the customer who raised it; the status is read from its category
 * with the name kept; the JSM request type, organizations and SLAs come from the site's service-desk fields.
 */
export function normalizeJiraIssue(issue: JiraIssue, options: NormalizeJiraOptions): TicketDraft {
  const f = issue.fields;
  const all = f as Record<string, unknown>;
  const statusName = f.status?.name ?? null;
  const override = statusName ? Object.entries(options.statusMap ?? {}).find(([name]) => name.toLowerCase() === statusName.toLowerCase())?.[1] : undefined;
  const customFields: Record<string, unknown> = {};
  if (f.issuetype?.name) customFields.issueType = f.issuetype.name;
  if (f.project?.key) customFields.projectKey = f.project.key;
  if (f.resolution?.name) customFields.resolution = f.resolution.name;
  const jsm = options.jsm ?? {};
  if (jsm.requestType) {
    const name = requestTypeName(all[jsm.requestType]);
    if (name !== null) customFields.requestType = name;
  }
  for (const sla of jsm.slas ?? []) {
    const summary = slaSummary(all[sla.id]);
    if (summary) customFields[`sla:${sla.name}`] = summary;
  }
  for (const id of options.customFields ?? []) if (all[id] !== undefined) customFields[id] = all[id];
  const embedded = options.includeComments && f.comment ? normalizeJiraComments(f.comment.comments) : undefined;
  const comments = options.comments ?? embedded;
  return {
    externalId: issue.id,
    platform: 'jira',
    url: jiraIssueUrl(options.subdomain, issue.key),
    subject: f.summary ?? '',
    description: adfToText(f.description),
    status: override ?? mapJiraStatusCategory(f.status?.statusCategory?.key),
    rawStatus: statusName,
    priority: mapJiraPriority(f.priority?.name),
    rawPriority: f.priority?.name ?? null,
    channel: null,
    requester: person(f.reporter),
    assignee: person(f.assignee),
    organization: jsm.organizations ? organization(all[jsm.organizations]) : null,
    tags: [...(f.labels ?? [])],
    customFields,
    createdAt: jiraTime(f.created),
    updatedAt: jiraTime(f.updated),
    ...(comments ? { comments } : {}),
    deleted: false,
    raw: issue,
  };
}

/** The connector's `normalize` for a bare issue object (a search result or an issue read). */
export function normalizeJira(raw: unknown, options: NormalizeJiraOptions): TicketDraft {
  const parsed = JiraIssue.safeParse(raw);
  if (!parsed.success) {
    throw new ResponseShapeError('not a Jira issue', { platform: 'jira', issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) });
  }
  return normalizeJiraIssue(parsed.data, options);
}

/** A deletion found by the id check: Jira keeps nothing of a deleted issue, so only its id is known. */
export function deletedIssue(externalId: string, at: string): TicketDraft {
  return tombstone('jira', externalId, at);
}
