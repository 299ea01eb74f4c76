import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CsvImportError, previewCsv } from '../src/index.js';
import { csvFile } from './helpers.js';

const rows = (d: string) =>
  [
    ['Id', 'Subject', 'Status', 'Updated at'],
    ['1', 'First, with a comma', 'Open', '2024-03-12T09:41:00Z'],
    ['2', 'Second | with a pipe; and a semicolon', 'Solved', '2024-03-13T09:41:00Z'],
  ]
    .map((r) => r.map((c) => (c.includes(d) ? `"${c}"` : c)).join(d))
    .join('\n');

describe('reading CSV files', () => {
  it.each([
    [',', 'comma'],
    [';', 'semicolon'],
    ['\t', 'tab'],
    ['|', 'pipe'],
  ] as const)('detects the %j delimiter (%s) from the header', async (delimiter, _name) => {
    const preview = await previewCsv(csvFile(rows(delimiter)));
    expect(preview.delimiter).toBe(delimiter);
    expect(preview.columns).toEqual(['Id', 'Subject', 'Status', 'Updated at']);
    expect(preview.tickets.map((t) => [t.externalId, t.subject, t.status])).toEqual([
      ['1', 'First, with a comma', 'open'],
      ['2', 'Second | with a pipe; and a semicolon', 'solved'],
    ]);
  });

  it('ignores delimiters inside quotes when detecting, keeps the comma on a tie, and takes an explicit delimiter', async () => {
    expect((await previewCsv(csvFile('Id;"Subject, short, sharp";Updated at\n1;Hi, there;2024-01-01\n'))).delimiter).toBe(';');
    // Two tabs and two commas in the header: a tie keeps the comma, so this file needs the option.
    const file = csvFile('Id\tSubject, short, sharp\tUpdated at\n1\tHi, there\t2024-01-01\n');
    await expect(previewCsv(file)).rejects.toMatchObject({ code: 'header' });
    const preview = await previewCsv(file, { delimiter: '\t' });
    expect(preview.tickets[0]).toMatchObject({ externalId: '1', customFields: { 'Subject, short, sharp': 'Hi, there' } });
  });

  it('reads quoted multi-line fields, doubled quotes, CRLF line ends and a UTF-8 BOM', async () => {
    const text = 'Id,Subject,Description,Updated at\r\n1,"Say ""hi""","line one\r\nline two, still\r\n\r\nline four",2024-01-01\r\n2,Plain,,2024-01-02\r\n';
    const preview = await previewCsv(csvFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])));
    expect(preview.columns[0]).toBe('Id');
    expect(preview.tickets.map((t) => [t.externalId, t.subject, t.description])).toEqual([
      ['1', 'Say "hi"', 'line one\nline two, still\n\nline four'],
      ['2', 'Plain', ''],
    ]);
  });

  it('decodes the encoding it is told: windows-1252 and UTF-16LE with a BOM', async () => {
    const latin = Buffer.from('Id,Subject,Updated at\n1,Caf\xe9 cr\xe8me \x80,2024-01-01\n', 'latin1');
    expect((await previewCsv(csvFile(latin), { encoding: 'windows-1252' })).tickets[0]!.subject).toBe('Café crème €');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Id;Subject;Updated at\n1;Grüße;2024-01-01\n', 'utf16le')]);
    const preview = await previewCsv(csvFile(utf16), { encoding: 'utf-16le' });
    expect(preview.delimiter).toBe(';');
    expect(preview.tickets[0]).toMatchObject({ externalId: '1', subject: 'Grüße' });
    await expect(previewCsv(csvFile(latin), { encoding: 'klingon' })).rejects.toMatchObject({ code: 'option' });
  });

  it('reads Node streams and web ReadableStreams as well as paths, with chunks split anywhere', async () => {
    const text = 'Id,Subject,Updated at\n1,"multi\nline",2024-01-01\n2,Ünïcödé,2024-01-02\n';
    const bytes = Buffer.from(text);
    // One byte per chunk: splits inside quotes, line ends and multi-byte characters.
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    const fromNode = await previewCsv(Readable.from(chunks));
    const fromWeb = await previewCsv(Readable.toWeb(Readable.from(chunks)) as ReadableStream<Uint8Array>);
    const fromFile = await previewCsv(createReadStream(csvFile(bytes)));
    for (const preview of [fromNode, fromWeb, fromFile]) expect(preview.tickets.map((t) => t.subject)).toEqual(['multi\nline', 'Ünïcödé']);
  });

  it('skips blank rows and rows of empty cells, keeps spreadsheet row numbers in errors', async () => {
    const preview = await previewCsv(csvFile('Id,Subject,Updated at\r\n1,a,2024-01-01\r\n\r\n,,\r\n4,"two\r\nlines",2024-01-01\r\n5,c,never\r\n'));
    expect(preview.tickets.map((t) => t.externalId)).toEqual(['1', '4']);
    // Rows 3 (blank) and 4 (empty cells) count as the spreadsheet shows them; the multi-line cell stays one row.
    expect(preview.errors).toEqual([{ at: 'row 6', field: 'Updated at', reason: 'not a date: "never"' }]);
  });

  it('previews the first N rows only and says there is more', async () => {
    const body = Array.from({ length: 100 }, (_, i) => `${i + 1},s${i + 1},2024-01-01`).join('\n');
    const preview = await previewCsv(csvFile(`Id,Subject,Updated at\n${body}\n`), { rows: 5 });
    expect(preview.tickets.map((t) => t.externalId)).toEqual(['1', '2', '3', '4', '5']);
    expect(preview.truncated).toBe(true);
    expect((await previewCsv(csvFile(`Id,Subject,Updated at\n${body}\n`), { rows: 500 })).truncated).toBe(false);
  });

  it('maps columns by name whatever their order, case or spacing; a custom mapping wins and can unmap', async () => {
    const file = csvFile('  LAST MODIFIED ,title,Ref,TICKET ID,Created\n2024-01-02,Hello,R-1,55,2024-01-01\n');
    const auto = await previewCsv(file);
    expect(auto.mapping.fields).toMatchObject({ id: { column: 'TICKET ID' }, subject: { column: 'title' }, updatedAt: { column: '  LAST MODIFIED ' }, createdAt: { column: 'Created' } });
    expect(auto.tickets[0]).toMatchObject({ externalId: '55', platform: 'csv', subject: 'Hello', createdAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-01-02T00:00:00.000Z', customFields: { Ref: 'R-1' } });
    const custom = await previewCsv(file, { mapping: { id: 'ref', subject: null }, platform: 'legacy-desk' });
    expect(custom.tickets[0]).toMatchObject({ externalId: 'R-1', platform: 'legacy-desk', subject: '', customFields: { title: 'Hello', 'TICKET ID': '55' } });
    const error = await previewCsv(file, { mapping: { id: ['Number', 'Key'] } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'header', column: 'Number' });
    expect((error as Error).message).toContain('the mapping reads id from "Number" or "Key"');
  });

  it('custom status and priority labels, unknown ones kept raw', async () => {
    const file = csvFile('Id,Status,Priority,Updated at\n1,Escalated,P1,2024-01-01\n2,Weird,P9,2024-01-01\n3,constructor,toString,2024-01-01\n');
    const preview = await previewCsv(file, { statusMap: { ESCALATED: 'on_hold' }, priorityMap: { p1: 'urgent' } });
    expect(preview.tickets.map((t) => [t.status, t.rawStatus, t.priority, t.rawPriority])).toEqual([
      ['on_hold', 'Escalated', 'urgent', 'P1'],
      ['open', 'Weird', null, 'P9'],
      ['open', 'constructor', null, 'toString'],
    ]);
  });

  it('fills a missing created or updated date from the other, and builds links from ticketUrl', async () => {
    const preview = await previewCsv(csvFile('Id,Created at,Updated at\n1,2024-01-01,\n2,,2024-01-05\n3,,\n'), { ticketUrl: (id) => `https://acme.example/t/${id}` });
    expect(preview.tickets.map((t) => [t.createdAt, t.updatedAt, t.url])).toEqual([
      ['2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', 'https://acme.example/t/1'],
      ['2024-01-05T00:00:00.000Z', '2024-01-05T00:00:00.000Z', 'https://acme.example/t/2'],
    ]);
    expect(preview.errors).toEqual([{ at: 'row 4', field: 'Updated at', reason: 'no date: the created and updated cells are empty' }]);
  });
});

describe('hostile and broken files fail classified, never by exhausting memory', () => {
  it('an unclosed quote running to the end is a limit error at its row, not a buffer of the whole file', async () => {
    const tail = 'x'.repeat(64 * 1024);
    const file = csvFile(`Id,Subject,Updated at\n1,ok,2024-01-01\n2,"never closed,2024-01-01\n${tail}\n${tail}\n`);
    const error = await previewCsv(file, { limits: { maxRowChars: 32 * 1024 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsvImportError);
    expect(error).toMatchObject({ code: 'limit', at: 'row 3' });
  });

  it('a quote never closed at the end of the file is a parse error', async () => {
    const error = await previewCsv(csvFile('Id,Subject,Updated at\n1,"open,2024-01-01\n')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'parse' });
    expect((error as Error).message).toMatch(/quote/i);
  });

  it('too many columns in the header or a row is a limit error', async () => {
    const wide = Array.from({ length: 50 }, (_, i) => `c${i}`).join(',');
    await expect(previewCsv(csvFile(`Id,Updated at,${wide}\n`), { limits: { maxColumns: 20 } })).rejects.toMatchObject({ code: 'limit', at: 'row 1' });
    const rowWide = `1,2024-01-01,${Array(60).fill('x').join(',')}`;
    await expect(previewCsv(csvFile(`Id,Updated at\n1,2024-01-01\n${rowWide}\n`), { limits: { maxColumns: 20 } })).rejects.toMatchObject({ code: 'limit', at: 'row 3' });
  });

  it('an over-long cell refuses its row, naming the column, and the rest is read', async () => {
    const preview = await previewCsv(csvFile(`Id,Subject,Updated at\n1,${'y'.repeat(2000)},2024-01-01\n2,ok,2024-01-01\n`), { limits: { maxFieldChars: 1000 } });
    expect(preview.errors).toEqual([{ at: 'row 2', field: 'Subject', reason: 'cell of 2000 characters, over the 1000 limit' }]);
    expect(preview.tickets.map((t) => t.externalId)).toEqual(['2']);
  });

  it('an empty file, a missing file and a bad option fail before anything is read', async () => {
    await expect(previewCsv(csvFile(''))).rejects.toMatchObject({ code: 'header' });
    await expect(previewCsv(csvFile('\uFEFF\n\n'))).rejects.toMatchObject({ code: 'header' });
    await expect(previewCsv('/nonexistent/export.csv')).rejects.toMatchObject({ code: 'input' });
    await expect(previewCsv(csvFile('Id,Updated at\n'), { timeZone: 'Mars/Olympus' })).rejects.toMatchObject({ code: 'option' });
    await expect(previewCsv(csvFile('Id,Updated at\n'), { preset: 'trello' as never })).rejects.toMatchObject({ code: 'option' });
  });
});
