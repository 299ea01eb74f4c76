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

/** Two ASCII digits at `at` as a number (the caller's pattern has checked they are digits). */
const twoDigits = (value: string, at: number) => (value.charCodeAt(at) - 0x30) * 10 + value.charCodeAt(at + 1) - 0x30;

/**
 * Month 01-12, day 01-28 (valid in every month: `Date.parse` rolls a 30th of February into March), hour 00-23,
 * minute and second 00-59: then the string names exactly the instant it reads as. Anything else is Date's call.
 */
function plainUtcFields(value: string): boolean {
  const month = twoDigits(value, 5);
  const day = twoDigits(value, 8);
  return month >= 1 && month <= 12 && day >= 1 && day <= 28 && twoDigits(value, 11) <= 23 && twoDigits(value, 14) <= 59 && twoDigits(value, 17) <= 59;
}
