import { TicketPriority, TicketStatus, type Person, type TicketDraft } from '@ticketbridge/core';
import { z } from 'zod';

/**
 * A path into the sender's JSON: dot-separated keys with optional `[n]` indexes (`ticket.requester.email`,
 * `items[0].id`), or `["key.with.dots"]` for keys a dot would split. `$` is the event itself.
 */
export const JsonPath = z
  .string()
  .min(1)
  .max(512)
  .refine((p) => parsePath(p) !== undefined, { message: 'is not a path: use dot-separated keys with [n] indexes, e.g. ticket.requester.email or items[0].id' });

/** A field read from one path, with a default when the sender leaves it out. */
const Read = z.union([JsonPath, z.object({ path: JsonPath, default: z.string().optional() })]);

/** A value translated through a table (the sender's `"Closed"` → `closed`), with a default for unlisted values. */
const ValueMap = <T extends z.ZodType<string>>(target: T) =>
  z.object({
    path: JsonPath,
    map: z.record(z.string(), target).default({}),
    /** For values missing from `map` (and for a missing field); without it they are refused, naming the value. */
    default: target.optional(),
  });

/** How a date field is written by the sender. */
const DateRead = z.union([
  JsonPath,
  z.object({
    path: JsonPath,
    /** `auto` (default): ISO-8601, or a number of epoch seconds (below 1e11) or milliseconds. */
    format: z.enum(['auto', 'iso-8601', 'epoch-seconds', 'epoch-ms']).default('auto'),
  }),
]);

const PersonRead = z.object({ id: JsonPath.optional(), name: JsonPath.optional(), email: JsonPath.optional() });

/**
 * The declarative mapping from a sender's JSON events to the normalized ticket, stored with the connection and
 * checked when connecting (a problem names its path in the mapping). Fields not mapped stay in the ticket's `raw`.
 */
export const PushMapping = z
  .object({
    /** Where the events are in the body: `$` (default: the body is one event, or an array of them) or a path to an array. */
    events: JsonPath.default('$'),
    /** The ticket id (required): the same ticket must carry the same id in every event. */
    id: Read,
    /**
     * When this version of the ticket was written (required): Ticketbridge orders and deduplicates versions by it, so
     * a retried event (same `webhook-id`, same content) is recognised and emitted once.
     */
    updatedAt: DateRead,
    createdAt: DateRead.optional(),
    subject: Read.optional(),
    description: Read.optional(),
    url: Read.optional(),
    status: ValueMap(TicketStatus).optional(),
    priority: ValueMap(TicketPriority).optional(),
    requester: PersonRead.optional(),
    assignee: PersonRead.optional(),
    organization: z.object({ id: JsonPath.optional(), name: JsonPath.optional() }).optional(),
    /** An array of strings, or one string split on commas. */
    tags: JsonPath.optional(),
    /** Named custom fields, each from a path. */
    customFields: z.record(z.string().min(1).max(128), JsonPath).optional(),
    /** The event's type: values of this field that mean the ticket was deleted. Without it, every event is a change. */
    eventType: z.object({ path: JsonPath, deleted: z.array(z.string()).min(1) }).optional(),
    /** A field whose truthy value means the ticket was deleted (`deleted: true`, `archived_at: "..."`). */
    deletedFlag: JsonPath.optional(),
    /**
     * A path, from the body's root, to the sender's id of the delivery (the same on its retries), for senders that
     * do not use Standard Webhooks (whose `webhook-id` header is used). A retry of an accepted delivery is then
     * answered 200 `duplicate: true` without being mapped again.
     */
    idempotencyKey: JsonPath.optional(),
    /** IANA zone for ISO dates written without an offset (`2026-03-12 09:41:00`). Default UTC. */
    timeZone: z
      .string()
      .refine((zone) => isTimeZone(zone), { message: 'is not an IANA time zone (e.g. Europe/Berlin)' })
      .default('UTC'),
  })
  .strict();

/** A mapping as written by the host (defaults may be left out). */
export type PushMappingInput = z.input<typeof PushMapping>;
/** A validated mapping. */
export type PushMappingSpec = z.output<typeof PushMapping>;

/** One reason an event did not fit the mapping, at a path of the body. */
export interface MappingFailure {
  /** Where in the body (`$[2].updated_at`). */
  path: string;
  reason: string;
}

/** What one event became. */
export type MappedEvent = { ok: true; ticket: TicketDraft } | { ok: false; failures: MappingFailure[] };

type Segment = string | number;

/** The events of a body, with the path each was found at. */
export function eventsOf(body: unknown, mapping: PushMappingSpec): { events: Array<{ at: string; event: unknown }>; failure?: MappingFailure } {
  const located = get(body, mapping.events);
  if (located === undefined) return { events: [], failure: { path: mapping.events, reason: 'no events here: the mapping\'s "events" path is missing from the body' } };
  const base = mapping.events === '$' ? '$' : `$.${mapping.events}`;
  if (Array.isArray(located)) return { events: located.map((event, i) => ({ at: `${base}[${i}]`, event })) };
  if (mapping.events !== '$') return { events: [], failure: { path: base, reason: 'expected an array of events' } };
  return { events: [{ at: '$', event: located }] };
}

/**
 * Maps one event to a ticket draft, collecting every failure (each with its path) rather than stopping at the first,
 * so the sender's 400 lists all of them at once.
 */
export function mapEvent(event: unknown, at: string, mapping: PushMappingSpec, platform: string): MappedEvent {
  const failures: MappingFailure[] = [];
  const where = (path: string) => (path === '$' ? at : `${at}.${path}`);
  const fail = (path: string, reason: string) => {
    failures.push({ path: where(path), reason });
    return undefined;
  };
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return { ok: false, failures: [{ path: at, reason: 'an event must be a JSON object' }] };

  const text = (read: z.output<typeof Read> | undefined, required = false): string | undefined => {
    if (read === undefined) return undefined;
    const path = typeof read === 'string' ? read : read.path;
    const value = get(event, path);
    if (value === undefined || value === null || value === '') {
      const fallback = typeof read === 'string' ? undefined : read.default;
      if (fallback !== undefined) return fallback;
      return required ? fail(path, 'is required and missing') : undefined;
    }
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return fail(path, `expected text, got ${describe(value)}`);
  };
  const date = (read: z.output<typeof DateRead> | undefined, required: boolean): string | undefined => {
    if (read === undefined) return undefined;
    const { path, format } = typeof read === 'string' ? { path: read, format: 'auto' as const } : read;
    const value = get(event, path);
    if (value === undefined || value === null || value === '') return required ? fail(path, 'is required and missing') : undefined;
    const ms = parseDate(value, format, mapping.timeZone);
    return ms === undefined ? fail(path, `is not a date (${format}): ${describe(value)}`) : new Date(ms).toISOString();
  };
  const mapped = <T extends string>(spec: { path: string; map: Record<string, T>; default?: T | undefined } | undefined, what: string): T | undefined => {
    if (!spec) return undefined;
    const raw = get(event, spec.path);
    if (raw === undefined || raw === null || raw === '') return spec.default;
    const key = typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : undefined;
    if (key === undefined) return fail(spec.path, `expected a ${what} value, got ${describe(raw)}`);
    const hit = spec.map[key] ?? spec.map[key.toLowerCase()] ?? spec.default;
    return hit ?? fail(spec.path, `the ${what} "${key}" is not in the mapping's table and there is no default`);
  };
  const person = (spec: z.output<typeof PersonRead> | undefined): Person | null => {
    if (!spec) return null;
    const id = text(spec.id);
    const name = text(spec.name) ?? null;
    const email = text(spec.email) ?? null;
    const externalId = id ?? email ?? undefined;
    return externalId === undefined ? null : { externalId, name, email };
  };

  const externalId = text(mapping.id, true);
  const updatedAt = date(mapping.updatedAt, true);
  const createdAt = date(mapping.createdAt, false);
  const status = mapped(mapping.status, 'status');
  const priority = mapped(mapping.priority, 'priority');
  const rawStatus = mapping.status ? scalar(get(event, mapping.status.path)) : null;
  const rawPriority = mapping.priority ? scalar(get(event, mapping.priority.path)) : null;
  let tags: string[] = [];
  if (mapping.tags) {
    const value = get(event, mapping.tags);
    if (Array.isArray(value)) tags = value.filter((t): t is string | number => typeof t === 'string' || typeof t === 'number').map(String);
    else if (typeof value === 'string') tags = value.split(',').map((t) => t.trim()).filter(Boolean);
    else if (value !== undefined && value !== null) fail(mapping.tags, `expected an array of tags or a comma-separated string, got ${describe(value)}`);
  }
  const customFields: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(mapping.customFields ?? {})) {
    const value = get(event, path);
    if (value !== undefined) customFields[name] = value;
  }
  let deleted = false;
  if (mapping.eventType) deleted = mapping.eventType.deleted.includes(String(scalar(get(event, mapping.eventType.path)) ?? ''));
  if (mapping.deletedFlag) deleted ||= Boolean(get(event, mapping.deletedFlag));
  const organization = mapping.organization
    ? (() => {
        const id = text(mapping.organization.id);
        const name = text(mapping.organization.name) ?? null;
        const key = id ?? name ?? undefined;
        return key === undefined ? null : { externalId: key, name };
      })()
    : null;
  const requester = person(mapping.requester);
  const assignee = person(mapping.assignee);
  const subject = text(mapping.subject) ?? '';
  const description = text(mapping.description) ?? '';
  const url = text(mapping.url) ?? null;

  if (failures.length > 0 || externalId === undefined || updatedAt === undefined) return { ok: false, failures };
  return {
    ok: true,
    ticket: {
      externalId,
      platform,
      url,
      subject,
      description,
      // Without a status mapping a pushed ticket is taken as open: the sender said it exists and changed.
      status: status ?? 'open',
      rawStatus,
      priority: priority ?? null,
      rawPriority,
      channel: null,
      requester,
      assignee,
      organization,
      tags,
      customFields,
      createdAt: createdAt ?? updatedAt,
      updatedAt,
      deleted,
      raw: event,
    },
  };
}

/** Reads a path; `undefined` when any step is missing. */
export function get(value: unknown, path: string): unknown {
  const segments = parsePath(path);
  if (!segments) return undefined;
  let current = value;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    if (typeof segment === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[segment];
    } else {
      if (Array.isArray(current) || !Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return current;
}

const pathCache = new Map<string, Segment[] | undefined>();

/** `a.b[0]["c.d"]` → `['a', 'b', 0, 'c.d']`; `$` → `[]`; `undefined` for anything else. */
function parsePath(path: string): Segment[] | undefined {
  const cached = pathCache.get(path);
  if (cached !== undefined || pathCache.has(path)) return cached;
  const out: Segment[] = [];
  let rest = path === '$' ? '' : path.startsWith('$.') ? path.slice(2) : path;
  let ok = true;
  let first = true;
  while (rest.length > 0 && ok) {
    let m: RegExpExecArray | null;
    if ((m = /^\[(\d{1,9})\]/.exec(rest))) out.push(Number(m[1]));
    else if ((m = /^\["((?:[^"\\]|\\.)*)"\]/.exec(rest))) out.push(JSON.parse(`"${m[1]}"`) as string);
    else if ((m = (first ? /^([A-Za-z_$][\w$-]*)/ : /^\.([A-Za-z_$][\w$-]*)/).exec(rest))) out.push(m[1]!);
    else ok = false;
    if (m) rest = rest.slice(m[0].length);
    first = false;
  }
  const result = ok ? out : undefined;
  // Mappings are few and fixed; the cache is bounded anyway so hostile input cannot grow it.
  if (pathCache.size < 10_000) pathCache.set(path, result);
  return result;
}

function parseDate(value: unknown, format: 'auto' | 'iso-8601' | 'epoch-seconds' | 'epoch-ms', timeZone: string): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    if (format === 'iso-8601') return undefined;
    if (format === 'epoch-seconds') return value * 1000;
    if (format === 'epoch-ms') return value;
    return Math.abs(value) < 1e11 ? value * 1000 : value;
  }
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (format === 'epoch-seconds' || format === 'epoch-ms') {
    if (!/^-?\d+(\.\d+)?$/.test(trimmed)) return undefined;
    return format === 'epoch-seconds' ? Number(trimmed) * 1000 : Number(trimmed);
  }
  if (format === 'auto' && /^-?\d{9,13}$/.test(trimmed)) return parseDate(Number(trimmed), 'auto', timeZone);
  // ISO 8601: a date, optionally a time, optionally an offset. Without an offset the mapping's zone applies.
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(trimmed);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', offset] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Math.round(Number(`0.${frac}`) * 1000));
  if (Number.isNaN(wall) || new Date(wall).getUTCDate() !== Number(d)) return undefined;
  if (offset) {
    if (offset.toUpperCase() === 'Z') return wall;
    const om = /^([+-])(\d{2}):?(\d{2})?$/.exec(offset)!;
    const minutes = Number(om[2]) * 60 + Number(om[3] ?? '0');
    return wall - (om[1] === '+' ? 1 : -1) * minutes * 60_000;
  }
  return wall - zoneOffsetMs(timeZone, wall);
}

/** The zone's offset from UTC at (about) this wall-clock time, from Intl: no time-zone database of our own. */
function zoneOffsetMs(timeZone: string, wallMs: number): number {
  if (timeZone === 'UTC') return 0;
  const at = (ms: number) => {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(ms);
    const n = (type: string) => Number(parts.find((p) => p.type === type)!.value);
    return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - Math.floor(ms / 1000) * 1000;
  };
  // Twice: the offset at the guessed instant can differ from the one at the real instant around a DST change.
  const first = at(wallMs);
  return at(wallMs - first);
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function scalar(value: unknown): string | null {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const shown = JSON.stringify(value);
  return shown.length > 60 ? `${shown.slice(0, 60)}…` : shown;
}
