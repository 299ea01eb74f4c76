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
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  // Day <= 28 and hour <= 23 are valid in every month, so the string names the instant Date.parse read.
  if (UTC_SECONDS.test(value) && value.charCodeAt(8) <= 0x32 /* '2' */ && (value.charCodeAt(8) < 0x32 || value.charCodeAt(9) <= 0x38) && value.slice(11, 13) < '24') {
    return value.length === 24 ? value : `${value.slice(0, 19)}.000Z`;
  }
  return new Date(ms).toISOString();
}
