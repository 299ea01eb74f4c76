import { localToInstant, type SimState } from './state.js';
import type { SimIssue } from './types.js';

/**
 * The part of JQL the simulator understands, as Jira reads it (https://support.atlassian.com/jira-service-management-cloud/docs/use-advanced-search-with-jira-query-language-jql/):
 * clauses joined by AND — `project = K`, `project in (K, "L")`, `projectType = service_desk`, `updated >= "…"`
 * (also `>`, `<`, `<=`), `id in (1, 2)`, `key = K-1` — and `ORDER BY field [ASC|DESC], …` on updated, created, key,
 * id. Date literals are `yyyy-MM-dd HH:mm`, `yyyy/MM/dd HH:mm` or a bare date, read in the caller's profile zone at
 * minute granularity.
 */
export interface ParsedJql {
  filter: (issue: SimIssue) => boolean;
  order: Array<{ field: 'updated' | 'created' | 'key' | 'id'; desc: boolean }>;
  /** Whether any clause restricts the search: Jira refuses unbounded queries on /search/jql. */
  bounded: boolean;
}

export class JqlError extends Error {}

const DATE = /^(\d{4})[-/](\d{2})[-/](\d{2})(?:\s+(\d{2}):(\d{2}))?$/;

function unquote(value: string): string {
  const v = value.trim();
  return /^".*"$/.test(v) || /^'.*'$/.test(v) ? v.slice(1, -1) : v;
}

function list(text: string): string[] {
  const m = /^\((.*)\)$/.exec(text.trim());
  if (!m) throw new JqlError(`Expecting a list in parentheses but got '${text.trim().slice(0, 40)}'.`);
  return m[1]!.split(',').map((x) => unquote(x)).filter(Boolean);
}

const keyNumber = (key: string) => Number(key.slice(key.lastIndexOf('-') + 1));

/** Parses a JQL query for a caller whose profile zone is `zone`. Throws {@link JqlError} with Jira's wording. */
export function parseJql(state: SimState, jql: string, zone: string): ParsedJql {
  const [where = '', orderBy] = jql.split(/\s+ORDER\s+BY\s+/i);
  const filters: Array<(i: SimIssue) => boolean> = [];
  const trimmed = where.trim();
  if (trimmed !== '') {
    for (const clause of trimmed.split(/\s+AND\s+/i)) {
      const m = /^(\w+)\s*(>=|<=|!=|=|>|<|\s+in\s+|\s+not\s+in\s+)\s*(.+)$/i.exec(clause.trim());
      if (!m) throw new JqlError(`Error in the JQL Query: the clause '${clause.trim().slice(0, 60)}' could not be parsed.`);
      const field = m[1]!.toLowerCase();
      const op = m[2]!.trim().toLowerCase();
      const value = m[3]!;
      if (field === 'project' && (op === '=' || op === 'in')) {
        const keys = op === 'in' ? list(value) : [unquote(value)];
        for (const k of keys) if (!state.projects.some((p) => p.key === k)) throw new JqlError(`The value '${k}' does not exist for the field 'project'.`);
        filters.push((i) => keys.includes(i.projectKey));
      } else if (field === 'projecttype' && op === '=') {
        const type = unquote(value);
        filters.push((i) => state.projects.find((p) => p.key === i.projectKey)?.projectTypeKey === type);
      } else if ((field === 'id' || field === 'issue' || field === 'issuekey' || field === 'key') && (op === 'in' || op === '=')) {
        const values = op === 'in' ? list(value) : [unquote(value)];
        filters.push((i) => values.includes(i.id) || values.includes(i.key));
      } else if ((field === 'updated' || field === 'created') && ['>=', '>', '<=', '<'].includes(op)) {
        const d = DATE.exec(unquote(value));
        if (!d) throw new JqlError(`Date value '${unquote(value).slice(0, 40)}' for field '${field}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.`);
        const bound = localToInstant({ y: Number(d[1]), mo: Number(d[2]), d: Number(d[3]), h: Number(d[4] ?? 0), mi: Number(d[5] ?? 0) }, zone);
        // Minute granularity: a timestamp compares by the minute it falls in.
        const at = (i: SimIssue) => Math.floor(i[field] / 60_000) * 60_000;
        filters.push(op === '>=' ? (i) => at(i) >= bound : op === '>' ? (i) => at(i) > bound : op === '<=' ? (i) => at(i) <= bound : (i) => at(i) < bound);
      } else {
        throw new JqlError(`Error in the JQL Query: the simulator does not support '${clause.trim().slice(0, 60)}'.`);
      }
    }
  }
  const order: ParsedJql['order'] = [];
  if (orderBy) {
    const parts = orderBy.split(',').map((p) => p.trim()).filter(Boolean);
    if (parts.length > 7) throw new JqlError('The ORDER BY clause can contain a maximum of 7 fields.');
    for (const part of parts) {
      const m = /^(\w+)(?:\s+(ASC|DESC))?$/i.exec(part);
      const field = m?.[1]?.toLowerCase();
      if (!m || !['updated', 'created', 'key', 'issuekey', 'id'].includes(field!)) throw new JqlError(`Error in the JQL Query: cannot order by '${part.slice(0, 40)}'.`);
      order.push({ field: (field === 'issuekey' ? 'key' : field) as 'updated' | 'created' | 'key' | 'id', desc: m[2]?.toUpperCase() === 'DESC' });
    }
  }
  return { filter: (i) => filters.every((f) => f(i)), order, bounded: filters.length > 0 };
}

/** The sort key of an issue for an ORDER BY (id last, so the order is total). */
export function sortKey(issue: SimIssue, order: ParsedJql['order']): Array<string | number> {
  const key: Array<string | number> = [];
  for (const o of order) {
    const sign = o.desc ? -1 : 1;
    if (o.field === 'updated' || o.field === 'created') key.push(sign * issue[o.field]);
    else if (o.field === 'id') key.push(sign * Number(issue.id));
    else {
      // Keys sort by project, then by number; a descending key reverses both.
      key.push(o.desc ? `~${issue.projectKey.split('').map((c) => String.fromCharCode(255 - c.charCodeAt(0))).join('')}` : issue.projectKey, sign * keyNumber(issue.key));
    }
  }
  key.push(Number(issue.id));
  return key;
}
