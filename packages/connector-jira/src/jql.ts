import { PROJECT_KEY } from './credentials.js';

/**
 * JQL for the sync. Dates in JQL are read in the time zone of the calling user's profile, at minute granularity
 * (https://support.atlassian.com/jira-software-cloud/docs/jql-fields/#Updated; airbytehq/airbyte#48492,
 * singer-io/tap-jira#15): a UTC time written into JQL for a user in UTC-8 skips eight hours of changes. So the
 * checkpoint is written in the zone `/myself` reports, floored to its minute.
 */

/** Whether the runtime knows an IANA zone name (Jira profiles use them: `Europe/Berlin`, `America/Los_Angeles`). */
export function knownTimeZone(zone: string | null | undefined): zone is string {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The largest offset a zone can have from UTC (UTC+14, Kiribati): when the profile's zone is unknown, the bound is
 * written in UTC and moved back by this much, so no offset can make it skip a change.
 */
export const MAX_ZONE_OFFSET_MS = 14 * 3_600_000;

/** `yyyy-MM-dd HH:mm` of an instant in a zone: the form JQL reads date-times in. */
export function jqlDateTime(ms: number, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

/**
 * The bound's instant, moved back one hour where the zone's clock repeats that hour (the autumn DST change): JQL then
 * reads an ambiguous local time as either instant, and the earlier reading must not be lost.
 */
export function safeBound(ms: number, zone: string): number {
  const offset = (at: number) => {
    const local = jqlDateTime(at, zone);
    return Date.parse(`${local.replace(' ', 'T')}:00Z`) - Math.floor(at / 60_000) * 60_000;
  };
  return offset(ms) === offset(ms - 3_600_000) ? ms : ms - 3_600_000;
}

/** Quotes a project key for JQL (keys are checked against {@link PROJECT_KEY} first, so nothing can break out). */
function quoted(key: string): string {
  if (!PROJECT_KEY.test(key)) throw new TypeError(`"${key.slice(0, 40)}" is not a Jira project key`);
  return `"${key}"`;
}

/**
 * The projects the connection syncs: the chosen keys, or every service project. `projectType = service_desk` follows
 * service projects created after the connection was made.
 */
export function scopeJql(projectKeys: readonly string[] | undefined): string {
  return projectKeys && projectKeys.length > 0 ? `project in (${projectKeys.map(quoted).join(', ')})` : 'projectType = "service_desk"';
}

/** The changes query: issues of the scope updated at or after the bound's minute, oldest first, key breaking ties. */
export function changesJql(scope: string, bound: string): string {
  return `${scope} AND updated >= "${bound}" ORDER BY updated ASC, key ASC`;
}

/** The deletion check's query: every issue of the scope, in a stable order (ids only are read). */
export function idsJql(scope: string): string {
  return `${scope} ORDER BY key ASC`;
}
