import { daysInMonth } from '@ticketbridge/core/toolkit';
import { CsvImportError } from './errors.js';

/**
 * How to read all-numeric dates such as `03/04/2024`, whose day and month order the text does not say.
 * `auto` reads a date whose first or second number is above 12 the only way it can be read, and refuses the
 * ambiguous ones (`03/04/2024`) rather than guess: a date read the wrong way round is a silent error in every
 * report built on it.
 */
export type DateOrder = 'auto' | 'dmy' | 'mdy';

/** Options of {@link createDateParser}. */
export interface DateParserOptions {
  /**
   * IANA time zone of dates written without an offset (`2024-03-12 09:41`, `12/Mar/24 9:41 AM`): the zone of the
   * account or user who made the export. Default `UTC`. A date with an offset or `Z` keeps its own.
   */
  timeZone?: string;
  /** Day/month order of all-numeric dates. Default `auto`. */
  dateOrder?: DateOrder;
}

/** Reads one cell; answers epoch milliseconds, or a reason the text is not a date. */
export type DateParser = (text: string) => number | string;

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, sept: 9, oct: 10, nov: 11, dec: 12,
  january: 1, february: 2, march: 3, april: 4, june: 6, july: 7, august: 8, september: 9, october: 10, november: 11, december: 12,
};

const TIME = String.raw`(?:[T ,]+(?:at\s+)?(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*([AaPp][Mm])?)?`;
const ZONE = String.raw`\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?`;
// 2024-03-12, 2024-03-12T09:41:00.123Z, 2024-03-12 09:41:00 +0100, 2024/03/12 09:41
const ISO = new RegExp(String.raw`^(\d{4})[-/](\d{1,2})[-/](\d{1,2})${TIME}${ZONE}$`);
// 12/03/2024 09:41, 3/12/24 9:41 PM, 12.03.2024
const NUMERIC = new RegExp(String.raw`^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})${TIME}${ZONE}$`);
// 12/Mar/24 9:41 AM (Jira), 12-Mar-2024, 12 March 2024 09:41
const DAY_MONTH = new RegExp(String.raw`^(\d{1,2})[/ -]([A-Za-z]{3,9})\.?[/ -](\d{4}|\d{2})${TIME}${ZONE}$`);
// Mar 12, 2024 9:41 AM, March 12 2024
const MONTH_DAY = new RegExp(String.raw`^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})${TIME}${ZONE}$`);

/** Checks an IANA zone name the way the runtime will use it. */
export function checkTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch (error) {
    throw new CsvImportError('option', `timeZone "${timeZone}" is not an IANA time zone (e.g. "Europe/Paris", "UTC")`, { cause: error });
  }
}

/**
 * Builds the date reader of one import. Formats read: ISO 8601 and its common export variants (space instead of
 * `T`, `/` separators, offsets `+0100`/`+01:00`, `UTC`), all-numeric day/month dates ({@link DateOrder}), month
 * names (`12/Mar/24 9:41 AM` as Jira writes it, `Mar 12, 2024 9:41 AM`), 12- and 24-hour times, and Unix epoch
 * seconds (10 digits) or milliseconds (13 digits).
 */
export function createDateParser(options: DateParserOptions = {}): DateParser {
  const timeZone = options.timeZone ?? 'UTC';
  const order = options.dateOrder ?? 'auto';
  checkTimeZone(timeZone);
  const toUtc = utcConverter(timeZone);

  return (raw) => {
    const text = raw.trim();
    const fast = isoFast(text, toUtc);
    if (fast !== undefined) return fast;
    let m: RegExpExecArray | null;
    let y: number, mo: number, d: number;
    if ((m = ISO.exec(text))) {
      y = +m[1]!; mo = +m[2]!; d = +m[3]!;
    } else if ((m = NUMERIC.exec(text))) {
      const a = +m[1]!, b = +m[2]!;
      y = year(m[3]!);
      const dmy = order === 'dmy' || (order === 'auto' && a > 12 && b <= 12);
      const mdy = order === 'mdy' || (order === 'auto' && b > 12 && a <= 12);
      if (a > 12 && b > 12) return `not a date: "${raw}"`;
      if (!dmy && !mdy) return `ambiguous day and month in "${raw}": set dateOrder to "dmy" or "mdy"`;
      [d, mo] = dmy ? [a, b] : [b, a];
    } else if ((m = DAY_MONTH.exec(text))) {
      const month = MONTHS[m[2]!.toLowerCase()];
      if (!month) return `not a date: "${raw}"`;
      y = year(m[3]!); mo = month; d = +m[1]!;
    } else if ((m = MONTH_DAY.exec(text))) {
      const month = MONTHS[m[1]!.toLowerCase()];
      if (!month) return `not a date: "${raw}"`;
      y = +m[3]!; mo = month; d = +m[2]!;
    } else if (/^\d{10}$/.test(text)) {
      return +text * 1000;
    } else if (/^\d{13}$/.test(text)) {
      return +text;
    } else {
      return `not a date: "${raw}"`;
    }
    let h = m[4] === undefined ? 0 : +m[4];
    const mi = m[5] === undefined ? 0 : +m[5];
    const s = m[6] === undefined ? 0 : +m[6];
    const ms = m[7] === undefined ? 0 : Math.floor(+`0.${m[7]}` * 1000);
    const ampm = m[8];
    if (ampm) {
      if (h < 1 || h > 12) return `not a date: "${raw}" (hour ${h} with ${ampm})`;
      h = (h % 12) + (ampm.toLowerCase() === 'pm' ? 12 : 0);
    }
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return `not a date: "${raw}"`;
    const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
    const zone = m[9];
    if (zone === undefined) return toUtc(wall);
    return wall - offsetMinutes(zone) * 60_000;
  };
}

const digit = (text: string, i: number): number => {
  const c = text.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : NaN;
};
const two = (text: string, i: number): number => digit(text, i) * 10 + digit(text, i + 1);

/**
 * `YYYY-MM-DD[T ]HH:MM[:SS[.fff]][ ][Z|±HH[:]MM|UTC]`, the form most exports write, read without a regex: dates
 * are most of the per-row work of an import. Anything else (or anything odd) goes to the general patterns.
 */
function isoFast(text: string, toUtc: (wall: number) => number): number | undefined {
  const n = text.length;
  if (n < 16 || text[4] !== '-' || text[7] !== '-' || (text[10] !== 'T' && text[10] !== ' ') || text[13] !== ':') return undefined;
  const y = two(text, 0) * 100 + two(text, 2), mo = two(text, 5), d = two(text, 8), h = two(text, 11), mi = two(text, 14);
  let s = 0, ms = 0, i = 16;
  if (text[i] === ':') {
    s = two(text, i + 1);
    i += 3;
    if (text[i] === '.') {
      let scale = 100;
      for (i++; i < n && !Number.isNaN(digit(text, i)); i++, scale /= 10) ms += digit(text, i) * scale;
      ms = Math.floor(ms);
    }
  }
  if (!(y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo) && h <= 23 && mi <= 59 && s <= 59)) return undefined;
  if (text[i] === ' ') i++;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (i === n) return toUtc(wall);
  const zone = text.slice(i);
  if (zone === 'Z' || zone === 'UTC' || zone === 'GMT' || zone === '+0000' || zone === '+00:00') return wall;
  if ((zone[0] === '+' || zone[0] === '-') && /^[+-]\d{2}(?::?\d{2})?$/.test(zone)) return wall - offsetMinutes(zone) * 60_000;
  return undefined;
}

const DAY_MS = 86_400_000;
/** Epoch ms of 0000-01-01T00:00:00Z and of 10000-01-01T00:00:00Z: between them an instant prints as `YYYY-MM-DD...`. */
const FIRST_4_DIGIT_MS = -62_167_219_200_000;
const AFTER_4_DIGIT_MS = 253_402_300_800_000;

// The character codes of the last day printed: an export's rows come in date order more often than not, so most rows
// reuse the day of the one before and pay only for the time of day.
let lastDay = Number.NaN;
let dayCodes: number[] = [];

/**
 * `new Date(ms).toISOString()`, the same text, without a `Date`: two of them per row were the largest cost of
 * normalizing (about 0.7 µs each against 0.1 µs here). Years outside 0000–9999 (which ISO prints with a sign and six
 * digits) and non-integers go to `Date`.
 */
export function isoFromEpoch(ms: number): string {
  if (!(ms >= FIRST_4_DIGIT_MS && ms < AFTER_4_DIGIT_MS) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  if (day !== lastDay) {
    dayCodes = civilDayCodes(day);
    lastDay = day;
  }
  let rest = ms - day * DAY_MS;
  const h = (rest / 3_600_000) | 0;
  rest -= h * 3_600_000;
  const mi = (rest / 60_000) | 0;
  rest -= mi * 60_000;
  const s = (rest / 1000) | 0;
  rest -= s * 1000;
  const c = dayCodes;
  // One flat string from its 24 character codes: a concatenation would leave a rope every later reader flattens.
  return String.fromCharCode(
    c[0]!, c[1]!, c[2]!, c[3]!, 0x2d, c[4]!, c[5]!, 0x2d, c[6]!, c[7]!, 0x54 /* T */,
    0x30 + ((h / 10) | 0), 0x30 + (h % 10), 0x3a, 0x30 + ((mi / 10) | 0), 0x30 + (mi % 10), 0x3a, 0x30 + ((s / 10) | 0), 0x30 + (s % 10),
    0x2e, 0x30 + ((rest / 100) | 0), 0x30 + (((rest / 10) | 0) % 10), 0x30 + (rest % 10), 0x5a /* Z */,
  );
}

/** The digits of a day's year (4), month (2) and day (2) as character codes; `day` counts from 1970-01-01. */
function civilDayCodes(day: number): number[] {
  // Days to proleptic Gregorian year/month/day (H. Hinnant's civil_from_days), in 400-year eras of 146 097 days.
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return Array.from(`${String(y).padStart(4, '0')}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}`, (ch) => ch.charCodeAt(0));
}

/** Two-digit years are this century up to 69, the last one from 70: exports of tickets from 1969 are rare. */
function year(text: string): number {
  const n = +text;
  return text.length === 2 ? (n < 70 ? 2000 + n : 1900 + n) : n;
}

function offsetMinutes(zone: string): number {
  if (zone === 'Z' || zone === 'UTC' || zone === 'GMT') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (+digits.slice(0, 2) * 60 + (digits.length > 2 ? +digits.slice(2) : 0));
}

/**
 * Wall-clock time in a zone → UTC epoch ms. The zone's offset comes from `Intl` and is cached per wall-clock hour,
 * since a million rows of one export fall into few distinct hours and `formatToParts` costs microseconds each.
 */
function utcConverter(timeZone: string): (wall: number) => number {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return (wall) => wall;
  const format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  const offsetAt = (instant: number): number => {
    const p: Record<string, number> = {};
    for (const part of format.formatToParts(instant)) if (part.type !== 'literal') p[part.type] = +part.value;
    const local = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
    return local - Math.floor(instant / 1000) * 1000;
  };
  const cache = new Map<number, number>();
  return (wall) => {
    const hour = Math.floor(wall / 3_600_000);
    let utc = cache.get(hour);
    if (utc === undefined) {
      const start = hour * 3_600_000;
      // Two rounds settle the offset except inside a DST gap, where the later offset wins (as most libraries do).
      const first = offsetAt(start);
      let offset = offsetAt(start - first);
      if (offset !== first) offset = offsetAt(start - offset);
      utc = start - offset;
      if (cache.size > 50_000) cache.clear();
      cache.set(hour, utc);
    }
    return utc + (wall - hour * 3_600_000);
  };
}
