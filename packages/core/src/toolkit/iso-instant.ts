/** `YYYY-MM-DDTHH:MM:SSZ` or with milliseconds: the UTC form most APIs send, already canonical but for `.000`. */
const UTC_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

/**
 * A timestamp as the canonical ISO-8601 instant the `Ticket` model uses (`2024-03-12T09:41:00.000Z`), or `undefined`
 * when `Date.parse` cannot read it. The same result as `new Date(Date.parse(value)).toISOString()`, without building a
 * `Date` for the usual `…:SSZ` and `…:SS.sssZ` UTC forms: two per ticket of every page added up. Values the fast
 * path cannot vouch for (a 29th to 31st day, which `Date.parse` rolls into the next month, hour 24, offsets, other
 * formats) take the `Date` route.
 */
export function isoInstant(value: string): string | undefined {
  // The fields are checked against the calendar here, so the usual forms need neither Date.parse nor a Date.
  if (UTC_SECONDS.test(value) && plainUtcFields(value)) return value.length === 24 ? value : `${value.slice(0, 19)}.000Z`;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  return new Date(ms).toISOString();
}

/**
 * `Date.parse` of a timestamp, read by hand when it is in the canonical form `toISOString` writes
 * (`2024-03-12T09:41:00.000Z`, what connectors hand over): the engine reads one or two per delivered ticket, and
 * `Date.parse` was a visible share of delivering one. Anything else goes to `Date.parse`, so the answer is always
 * the same as its.
 */
export function instantOf(iso: string): number {
  return canonicalInstant(iso) ?? Date.parse(iso);
}

/**
 * Epoch milliseconds of `iso` when it is written exactly as `Date.prototype.toISOString` writes an instant of the
 * years 0000 to 9999 (`2024-03-12T09:41:00.000Z`), so that `new Date(ms).toISOString()` gives `iso` back; otherwise
 * `undefined`. For a store that keeps the number and must give back the same text: `Date.parse` alone cannot tell,
 * it reads 30 February as 2 March and hour 24 as the next day.
 */
export function canonicalInstant(iso: string): number | undefined {
  if (iso.length !== 24 || !UTC_SECONDS.test(iso) || !plainUtcFields(iso)) return undefined;
  const year = twoDigits(iso, 0) * 100 + twoDigits(iso, 2);
  const month = twoDigits(iso, 5);
  // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil), with March-based years.
  const y = year - (month <= 2 ? 1 : 0);
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + twoDigits(iso, 8) - 1;
  const days = era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
  return days * 86_400_000 + twoDigits(iso, 11) * 3_600_000 + twoDigits(iso, 14) * 60_000 + twoDigits(iso, 17) * 1000 + twoDigits(iso, 20) * 10 + iso.charCodeAt(22) - 0x30;
}

/** Two ASCII digits at `at` as a number (the caller's pattern has checked they are digits). */
const twoDigits = (value: string, at: number) => (value.charCodeAt(at) - 0x30) * 10 + value.charCodeAt(at + 1) - 0x30;

/**
 * Month 01-12, a day that month has (`Date.parse` rolls a 30th of February into March), hour 00-23, minute and
 * second 00-59: then the string names exactly the instant it reads as. Anything else is Date's call.
 */
function plainUtcFields(value: string): boolean {
  const month = twoDigits(value, 5);
  const day = twoDigits(value, 8);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(twoDigits(value, 0) * 100 + twoDigits(value, 2), month) &&
    twoDigits(value, 11) <= 23 && twoDigits(value, 14) <= 59 && twoDigits(value, 17) <= 59;
}

/** Days in `month` (1-12) of a proleptic Gregorian `year`: the check `Date.UTC` and `Date.parse` leave out (they roll over). */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
