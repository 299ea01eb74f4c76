import type { GeneratedTicket } from '@ticketbridge/core/testing';
import { FIELD_IDS, type SimState } from './state.js';
import type { SimAccount, SimIssue } from './types.js';

/** A text as ADF, one paragraph per line, the way Jira's editor stores it. */
export function adfDoc(text: string): unknown {
  const content = text.split('\n').map((line) => (line === '' ? { type: 'paragraph', content: [] } : { type: 'paragraph', content: [{ type: 'text', text: line }] }));
  return { type: 'doc', version: 1, content };
}

/** Generated statuses to the site's statuses (two of them alternate so every status of the workflow occurs). */
function statusOf(status: GeneratedTicket['status'], n: number): string {
  switch (status) {
    case 'new':
      return 'Waiting for support';
    case 'open':
      return n % 2 === 0 ? 'In Progress' : 'Escalated';
    case 'pending':
      return 'Waiting for customer';
    case 'on_hold':
      return 'Pending';
    case 'solved':
      return 'Resolved';
    case 'closed':
      return n % 3 === 0 ? 'Canceled' : 'Closed';
  }
}

/** Generated priorities to Jira's: urgent → Highest, low alternates Low / Lowest, unset stays unset (priority off). */
function priorityOf(priority: GeneratedTicket['priority'], n: number): string | null {
  switch (priority) {
    case 'urgent':
      return 'Highest';
    case 'high':
      return 'High';
    case 'normal':
      return 'Medium';
    case 'low':
      return n % 2 === 0 ? 'Low' : 'Lowest';
    default:
      return null;
  }
}

const REQUEST_TYPES = [
  { id: '1', name: 'Get IT help', issueTypeId: '10003' },
  { id: '2', name: 'Report a bug', issueTypeId: '10004' },
  { id: '3', name: 'Emailed request', issueTypeId: '10003' },
] as const;

/** A customer account for a generated requester, created on first use (JSM customers have `accountType: customer`). */
export function customerFor(state: SimState, person: GeneratedTicket['requester']): SimAccount {
  const accountId = `qm:${person.id}:5f3b2c1d-0e9a-4b7c-8d6e-${person.id.padStart(12, '0').slice(-12)}`;
  let a = state.accounts.get(accountId);
  if (!a) {
    a = { accountId, accountType: 'customer', displayName: person.name, emailAddress: person.email, timeZone: 'UTC', active: true, admin: false, projects: [] };
    state.accounts.set(accountId, a);
  }
  return a;
}

/** An SLA value as the sd-sla-field prints it. */
function sla(name: string, startMs: number, goalMs: number, breached: boolean, done: boolean, state: SimState): unknown {
  const cycle = {
    startTime: { iso8601: state.time(startMs), jira: state.time(startMs), friendly: 'Today 8:00 AM', epochMillis: startMs },
    breachTime: { iso8601: state.time(startMs + goalMs), jira: state.time(startMs + goalMs), friendly: 'Tomorrow', epochMillis: startMs + goalMs },
    breached,
    goalDuration: { millis: goalMs, friendly: `${goalMs / 3_600_000}h` },
    elapsedTime: { millis: Math.floor(goalMs / 2), friendly: '' },
    remainingTime: { millis: breached ? -60_000 : Math.ceil(goalMs / 2), friendly: '' },
  };
  return {
    id: name === 'Time to resolution' ? '1' : '2',
    name,
    _links: { self: `${state.site}/rest/servicedeskapi/request/1/sla/1` },
    completedCycles: done ? [{ ...cycle, stopTime: cycle.breachTime }] : [],
    ...(done ? {} : { ongoingCycle: { ...cycle, paused: false, withinCalendarHours: true } }),
  };
}

/** Reshapes a generated ticket into a Jira issue, with the real variety of nulls, absent values and custom fields. */
export function toIssue(state: SimState, g: GeneratedTicket, projectKey?: string): SimIssue {
  const n = state.ids.issue++;
  const project = state.projects.find((p) => p.key === projectKey) ?? state.projects[n % 5 === 0 ? 1 : 0]!;
  const seq = (state.ids.perProject[project.key] = (state.ids.perProject[project.key] ?? 0) + 1);
  const reporter = customerFor(state, g.requester);
  const agents = [...state.accounts.values()].filter((a) => a.accountType === 'atlassian' && a.projects.includes(project.key));
  const assignee = g.assignee ? agents[Number(g.assignee.id.slice(1)) % agents.length] ?? null : null;
  const requestType = REQUEST_TYPES[n % REQUEST_TYPES.length]!;
  const status = statusOf(g.status, n);
  const done = ['Resolved', 'Closed', 'Canceled'].includes(status);
  const custom: Record<string, unknown> = {};
  if (project.serviceDeskId) {
    custom[FIELD_IDS.requestType] = {
      _links: { jiraRest: `${state.site}/rest/api/2/issue/${n}`, web: `${state.site}/servicedesk/customer/portal/${project.serviceDeskId}/${project.key}-${seq}`, self: `${state.site}/rest/servicedeskapi/request/${n}` },
      requestType: { _links: {}, id: requestType.id, name: requestType.name, description: '', helpText: '', issueTypeId: requestType.issueTypeId, serviceDeskId: project.serviceDeskId, groupIds: [] },
      currentStatus: { status, statusCategory: done ? 'DONE' : 'INDETERMINATE', statusDate: { iso8601: state.time(g.updatedAt), jira: state.time(g.updatedAt), friendly: 'Today', epochMillis: g.updatedAt } },
    };
    custom[FIELD_IDS.organizations] = g.organization ? [{ id: String(Number(g.organization.id.slice(1))), name: g.organization.name, _links: { self: `${state.site}/rest/servicedeskapi/organization/${g.organization.id.slice(1)}` } }] : [];
    custom[FIELD_IDS.timeToResolution] = sla('Time to resolution', g.createdAt, 8 * 3_600_000, n % 9 === 0, done, state);
    if (n % 4 !== 0) custom[FIELD_IDS.timeToFirstResponse] = sla('Time to first response', g.createdAt, 3_600_000, false, n % 2 === 0, state);
  }
  // Text custom fields: unset (absent), empty, or a value.
  if (n % 3 === 1) custom[FIELD_IDS.notes] = n % 2 === 0 ? '' : `Order ORD-${100000 + n}`;
  return {
    id: String(n),
    key: `${project.key}-${seq}`,
    projectKey: project.key,
    summary: g.subject,
    description: n % 17 === 0 ? null : adfDoc(g.description.replace(/\n\n/g, '\n')),
    status,
    priority: priorityOf(g.priority, n),
    labels: [...g.tags],
    reporterId: reporter.accountId,
    assigneeId: assignee?.accountId ?? null,
    issueType: n % 3 === 1 ? 'Bug' : 'Service Request',
    resolution: done ? (status === 'Canceled' ? "Won't Do" : 'Done') : null,
    custom,
    comments: [],
    created: g.createdAt,
    updated: g.updatedAt,
  };
}
