import { describe, expect, it } from 'vitest';
import { createDateParser, previewCsv } from '../src/index.js';
import { csvFile } from './helpers.js';

const iso = (v: number | string) => (typeof v === 'number' ? new Date(v).toISOString() : v);

describe('dates in the common export formats', () => {
  it.each([
    ['2024-03-12T09:41:00Z', '2024-03-12T09:41:00.000Z'],
    ['2024-03-12T09:41:00.123+02:00', '2024-03-12T07:41:00.123Z'],
    ['2024-03-12 09:41:00 +0100', '2024-03-12T08:41:00.000Z'],
    ['2024-03-12 09:41:00 UTC', '2024-03-12T09:41:00.000Z'],
    ['2024-03-12 09:41', '2024-03-12T09:41:00.000Z'],
    ['2024/03/12 9:41 PM', '2024-03-12T21:41:00.000Z'],
    ['2024-03-12', '2024-03-12T00:00:00.000Z'],
    ['12/Mar/24 9:41 AM', '2024-03-12T09:41:00.000Z'],
    ['12/Mar/24 12:05 AM', '2024-03-12T00:05:00.000Z'],
    ['12/Mar/24 12:05 PM', '2024-03-12T12:05:00.000Z'],
    ['01/Feb/99 8:00 PM', '1999-02-01T20:00:00.000Z'],
    ['12-Mar-2024 09:41', '2024-03-12T09:41:00.000Z'],
    ['12 March 2024 09:41:05', '2024-03-12T09:41:05.000Z'],
    ['Mar 12, 2024 9:41 AM', '2024-03-12T09:41:00.000Z'],
    ['March 12 2024', '2024-03-12T00:00:00.000Z'],
    ['25/12/2024 18:00', '2024-12-25T18:00:00.000Z'],
    ['12/25/2024 6:00 PM', '2024-12-25T18:00:00.000Z'],
    ['1710236460', '2024-03-12T09:41:00.000Z'],
    ['1710236460123', '2024-03-12T09:41:00.123Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2024-03-12T09:41:00.5+05:30', '2024-03-12T04:11:00.500Z'],
    ['2024-03-12 09:41:07.123456 -0700', '2024-03-12T16:41:07.123Z'],
    ['  2024-03-12 09:41  ', '2024-03-12T09:41:00.000Z'],
  ])('%s → %s', (text, expected) => {
    expect(iso(createDateParser()(text))).toBe(expected);
  });

  it.each(['yesterday', '20x4-03-12 09:41', '2024-03-12 09:41 PST', '2024-03-12 09:61', '2023-02-29 10:00', '2023-02-29', '2024-13-01', '2024-04-31', '32/Jan/24 9:00 AM', '12/Foo/24 9:00 AM', '13/13/2024', '2024-03-12 25:00', '12/Mar/24 13:05 PM', ''])('refuses %j', (text) => {
    expect(createDateParser()(text)).toMatch(/^not a date/);
  });

  it('refuses ambiguous all-numeric dates unless told the order', () => {
    expect(createDateParser()('03/04/2024')).toMatch(/ambiguous day and month in "03\/04\/2024": set dateOrder/);
    expect(iso(createDateParser({ dateOrder: 'dmy' })('03/04/2024'))).toBe('2024-04-03T00:00:00.000Z');
    expect(iso(createDateParser({ dateOrder: 'mdy' })('03/04/2024'))).toBe('2024-03-04T00:00:00.000Z');
    // An explicit order also refuses what it cannot be.
    expect(createDateParser({ dateOrder: 'mdy' })('25/12/2024')).toMatch(/^not a date/);
  });

  it('reads zone-less dates in the given IANA zone, daylight saving included; explicit offsets win', () => {
    const paris = createDateParser({ timeZone: 'Europe/Paris' });
    expect(iso(paris('12/Mar/24 9:41 AM'))).toBe('2024-03-12T08:41:00.000Z'); // winter, UTC+1
    expect(iso(paris('2024-07-01 09:41'))).toBe('2024-07-01T07:41:00.000Z'); // summer, UTC+2
    expect(iso(paris('2024-03-31 01:59'))).toBe('2024-03-31T00:59:00.000Z'); // just before the switch
    expect(iso(paris('2024-03-31 03:00'))).toBe('2024-03-31T01:00:00.000Z'); // just after
    expect(iso(paris('2024-07-01T09:41:00Z'))).toBe('2024-07-01T09:41:00.000Z');
    const ny = createDateParser({ timeZone: 'America/New_York', dateOrder: 'mdy' });
    expect(iso(ny('11/05/2024 11:30 PM'))).toBe('2024-11-06T04:30:00.000Z');
    expect(iso(ny('Mar 12, 2024 9:41 AM'))).toBe('2024-03-12T13:41:00.000Z');
  });

  it('the timeZone option reaches the rows of an import', async () => {
    const preview = await previewCsv(csvFile('Issue key,Summary,Created,Updated\nSUP-9,Hi,12/Mar/24 9:41 AM,13/Jul/24 9:41 AM\n'), { preset: 'jira', timeZone: 'Asia/Tokyo' });
    expect(preview.tickets[0]).toMatchObject({ createdAt: '2024-03-12T00:41:00.000Z', updatedAt: '2024-07-13T00:41:00.000Z' });
  });

  it('drafts carry the same ISO text Date would write, across days, years, leap days and the 4-digit year edges', async () => {
    // Epoch milliseconds (13 digits) reach the draft untouched by the date reader, so its text is the formatter's.
    const ms = [Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2024, 2, 1), Date.UTC(2023, 11, 31, 23, 59, 59, 1), Date.UTC(2004, 1, 29, 12), Date.UTC(2001, 8, 9, 1, 46, 40)];
    const body = ms.map((t, i) => `${i + 1},${t},${t}`).join('\n');
    const preview = await previewCsv(csvFile(`Id,Created at,Updated at\n${body}\n`), { rows: 50 });
    expect(preview.errors).toEqual([]);
    expect(preview.tickets.map((t) => t.createdAt)).toEqual(ms.map((t) => new Date(t).toISOString()));
    // Across the years: every day boundary of a few centuries, in order and out of order.
    const parse = createDateParser();
    for (const text of ['0001-01-01T00:00:00Z', '1600-02-29T12:00:00Z', '1899-12-31T23:59:59.999Z', '2100-02-28T00:00:00Z', '9999-12-31T23:59:59.999Z']) {
      const preview2 = await previewCsv(csvFile(`Id,Updated at\n1,${text}\n2,2024-01-01T00:00:00Z\n3,${text}\n`));
      expect(preview2.tickets.map((t) => t.updatedAt)).toEqual([iso(parse(text)), '2024-01-01T00:00:00.000Z', iso(parse(text))]);
    }
  });
});
