import type { Organization, Person, RejectedRecord, TicketDraft, TicketPriority, TicketStatus } from '@ticketbridge/core';
import { isoFromEpoch, type DateParser } from './dates.js';
import { headerKey, type ResolvedMapping } from './mapping.js';

/**
 * Export status labels → normalized status, keyed by lower-cased label. Covers the default labels of the five
 * platforms with presets (Zendesk `hold`, Freshdesk `Waiting on Customer`, Jira `To Do`/`Done`, HubSpot
 * `Waiting on contact`, Intercom `snoozed`). Unknown labels become `open` with the label kept in `rawStatus`;
 * pass `statusMap` for an account's own workflow.
 */
export const DEFAULT_STATUS_MAP: Readonly<Record<string, TicketStatus>> = {
  new: 'new', 'to do': 'new', todo: 'new', backlog: 'new', 'selected for development': 'new', 'waiting for support': 'open',
  open: 'open', 'in progress': 'open', 'in review': 'open', reopened: 'open', 'waiting on us': 'open', 'waiting for triage': 'new',
  pending: 'pending', 'waiting on customer': 'pending', 'waiting on contact': 'pending', 'waiting for customer': 'pending', snoozed: 'pending',
  hold: 'on_hold', 'on hold': 'on_hold', 'on-hold': 'on_hold', on_hold: 'on_hold', 'waiting on third party': 'on_hold',
  solved: 'solved', resolved: 'solved', done: 'solved',
  closed: 'closed', "won't do": 'closed', cancelled: 'closed', canceled: 'closed',
};

/** Export priority labels → normalized priority, lower-cased. Unknown labels become `null`, kept in `rawPriority`. */
export const DEFAULT_PRIORITY_MAP: Readonly<Record<string, TicketPriority>> = {
  lowest: 'low', low: 'low', minor: 'low', trivial: 'low',
  normal: 'normal', medium: 'normal', moderate: 'normal',
  high: 'high', major: 'high',
  urgent: 'urgent', highest: 'urgent', critical: 'urgent', blocker: 'urgent',
};

/** CRLF exports keep CRLF inside quoted cells; text fields get the `\n` every other source gives them. */
const lines = (text: string): string => (text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text);

/** What {@link RowNormalizer} needs besides the mapping. */
export interface NormalizeSettings {
  platform: string;
  tagSeparator: string | RegExp;
  parseDate: DateParser;
  statusMap: Readonly<Record<string, TicketStatus>>;
  priorityMap: Readonly<Record<string, TicketPriority>>;
  /** Longest cell accepted, in characters. */
  maxFieldChars: number;
  ticketUrl: ((externalId: string) => string) | undefined;
}

/** Turns parsed rows into drafts, or into the reason a row was refused. */
export type RowNormalizer = (row: readonly string[], at: string) => TicketDraft | RejectedRecord;

/** Builds the per-row function once per file, so the per-row work is index reads and a few maps. */
export function createRowNormalizer(mapping: ResolvedMapping, settings: NormalizeSettings): RowNormalizer {
  const { fields } = mapping;
  const col = (f: keyof typeof fields) => fields[f]?.indexes[0] ?? -1;
  const iId = col('id'), iSubject = col('subject'), iDescription = col('description'), iStatus = col('status'), iPriority = col('priority');
  const iChannel = col('channel'), iUrl = col('url'), iCreated = col('createdAt'), iUpdated = col('updatedAt');
  const iReqId = col('requesterId'), iReqName = col('requesterName'), iReqEmail = col('requesterEmail');
  const iAsgId = col('assigneeId'), iAsgName = col('assigneeName'), iAsgEmail = col('assigneeEmail');
  const iOrgId = col('organizationId'), iOrgName = col('organizationName');
  const tagIndexes = fields.tags?.indexes ?? [];
  const createdName = fields.createdAt?.column, updatedName = fields.updatedAt?.column;
  const { platform, tagSeparator, parseDate, statusMap, priorityMap, maxFieldChars, ticketUrl } = settings;

  // Unmapped columns by header: one index, or several for a repeated header (their non-empty values as a list).
  const mapped = new Set(Object.values(fields).flatMap((m) => m.indexes));
  const extras = new Map<string, number[]>();
  mapping.columns.forEach((header, index) => {
    if (mapped.has(index) || !headerKey(header)) return;
    const name = header.replace(/^\uFEFF/, '').trim();
    const existing = [...extras.keys()].find((k) => headerKey(k) === headerKey(name));
    if (existing) extras.get(existing)!.push(index);
    else extras.set(name, [index]);
  });
  const extraList = [...extras.entries()];
  const columns = mapping.columns.map((c) => c.replace(/^\uFEFF/, '').trim());

  // An export has a handful of distinct labels: each is lower-cased and looked up once.
  const statusSeen = new Map<string, TicketStatus>();
  const statusOf = (label: string): TicketStatus => {
    let status = statusSeen.get(label);
    if (status === undefined) {
      const key = label.toLowerCase();
      status = Object.hasOwn(statusMap, key) ? statusMap[key]! : 'open';
      if (statusSeen.size < 1000) statusSeen.set(label, status);
    }
    return status;
  };
  const prioritySeen = new Map<string, TicketPriority | null>();
  const priorityOf = (label: string): TicketPriority | null => {
    let priority = prioritySeen.get(label);
    if (priority === undefined) {
      const key = label.toLowerCase();
      priority = Object.hasOwn(priorityMap, key) ? priorityMap[key]! : null;
      if (prioritySeen.size < 1000) prioritySeen.set(label, priority);
    }
    return priority;
  };
  const cell = (row: readonly string[], i: number): string => (i < 0 ? '' : (row[i] ?? '').trim());
  const person = (row: readonly string[], iId: number, iName: number, iEmail: number): Person | null => {
    const id = cell(row, iId), name = cell(row, iName), email = cell(row, iEmail);
    if (!id && !name && !email) return null;
    // Exports name people rather than number them; the email, then the name, stands in as a stable id.
    return { externalId: id || email.toLowerCase() || name, name: name || null, email: email || null };
  };

  return (row, at) => {
    for (let i = 0; i < row.length; i++) {
      if (row[i]!.length > maxFieldChars) return { at, field: columns[i] ?? `column ${i + 1}`, reason: `cell of ${row[i]!.length} characters, over the ${maxFieldChars} limit` };
    }
    const externalId = cell(row, iId);
    if (!externalId) return { at, field: fields.id!.column, reason: 'no ticket id' };
    const createdText = cell(row, iCreated), updatedText = cell(row, iUpdated);
    if (!createdText && !updatedText) return { at, field: updatedName ?? createdName!, reason: 'no date: the created and updated cells are empty' };
    let created: number | undefined, updated: number | undefined;
    if (createdText) {
      const v = parseDate(createdText);
      if (typeof v === 'string') return { at, field: createdName!, reason: v };
      created = v;
    }
    if (updatedText) {
      const v = parseDate(updatedText);
      if (typeof v === 'string') return { at, field: updatedName!, reason: v };
      updated = v;
    }
    const rawStatus = cell(row, iStatus) || null;
    const rawPriority = cell(row, iPriority) || null;
    const tags: string[] = [];
    for (const i of tagIndexes) {
      const text = cell(row, i);
      if (!text) continue;
      for (const t of text.split(tagSeparator)) {
        const tag = t.trim();
        if (tag && !tags.includes(tag)) tags.push(tag);
      }
    }
    const customFields: Record<string, unknown> = {};

    for (const [name, indexes] of extraList) {
      if (indexes.length === 1) {
        const v = cell(row, indexes[0]!);
        if (v) customFields[name] = v;
      } else {
        const values = indexes.map((i) => cell(row, i)).filter(Boolean);
        if (values.length) customFields[name] = values;
      }
    }
    const orgId = cell(row, iOrgId), orgName = cell(row, iOrgName);
    const organization: Organization | null = orgId || orgName ? { externalId: orgId || orgName, name: orgName || null } : null;
    const createdAt = isoFromEpoch(created ?? updated!);
    const updatedAt = created === updated || updated === undefined ? createdAt : isoFromEpoch(updated);
    return {
      externalId,
      platform,
      url: cell(row, iUrl) || (ticketUrl ? ticketUrl(externalId) : null),
      subject: lines(cell(row, iSubject)),
      description: lines(cell(row, iDescription)),
      status: rawStatus ? statusOf(rawStatus) : 'open',
      rawStatus,
      priority: rawPriority ? priorityOf(rawPriority) : null,
      rawPriority,
      channel: cell(row, iChannel) || null,
      requester: person(row, iReqId, iReqName, iReqEmail),
      assignee: person(row, iAsgId, iAsgName, iAsgEmail),
      organization,
      tags,
      customFields,
      createdAt,
      updatedAt,
      deleted: false,
      // The row's cells as parsed, in header order (`mapping.columns`): the export's own record, at no cost per row.
      raw: row,
    };
  };
}
