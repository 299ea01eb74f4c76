import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { RejectedRecord, TicketDraft } from '@ticketbridge/core';
import { importCsv, openCsv, type CsvReadOptions } from '../src/index.js';
import { csvFile, csvHub } from './helpers.js';

/** Every draft and refused row of a file, read with the parser on this thread or in a worker. */
async function readAll(input: () => string | Readable, worker: boolean, options: CsvReadOptions = {}) {
  const reader = await openCsv(input(), { ...options, worker });
  const tickets: TicketDraft[] = [];
  const rejected: RejectedRecord[] = [];
  let error: unknown;
  try {
    for await (const batch of reader.batches()) {
      tickets.push(...batch.tickets);
      rejected.push(...(batch.rejected ?? []));
    }
  } catch (e) {
    error = e;
  }
  return { tickets, rejected, error, progress: reader.progress(), delimiter: reader.delimiter };
}

/** Reads the same input both ways and expects the same result, which it answers. */
async function sameBothWays(input: () => string | Readable, options: CsvReadOptions = {}) {
  const here = await readAll(input, false, options);
  const there = await readAll(input, true, options);
  // The error's cause is the parser's own error object, rebuilt from its fields when it crossed threads.
  const plain = (r: typeof here) => ({ ...r, error: r.error && { ...(r.error as object), message: (r.error as Error).message, cause: undefined } });
  expect(plain(there)).toEqual(plain(here));
  return there;
}

const header = 'Id,Subject,Description,Status,Updated at\r\n';

describe('parsing in a worker thread (large files and streams) gives what parsing on this thread gives', () => {
  it('tickets, refused rows, row numbers and progress: quoted multi-line cells, CRLF, a BOM, blank rows, bad dates', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => {
      const n = i + 1;
      if (n % 500 === 0) return '\r\n,,,,';
      const date = n % 97 === 0 ? 'never' : `2024-02-01 10:${String(n % 60).padStart(2, '0')}:00`;
      return `${n},"Say ""hi"" #${n}","line one\r\nline, two",${n % 2 ? 'Open' : 'Solved'},${date}`;
    });
    const path = csvFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(header + rows.join('\r\n') + '\r\n')]));
    const result = await sameBothWays(() => path, { batchSize: 250 });
    expect(result.tickets.length).toBeGreaterThan(2900);
    expect(result.tickets[0]).toMatchObject({ externalId: '1', subject: 'Say "hi" #1', description: 'line one\nline, two', status: 'open' });
    expect(result.rejected[0]).toEqual({ at: 'row 98', field: 'Updated at', reason: 'not a date: "never"' });
    expect(result.progress).toMatchObject({ rows: result.tickets.length + result.rejected.length, percent: 100 });
  });

  it('a stream split anywhere (one byte per chunk), another delimiter, and a decoded encoding', async () => {
    const text = 'Id;Subject;Updated at\n1;"multi\nline; with ;";2024-01-01\n2;Ünïcödé;2024-01-02\n';
    const bytes = [...Buffer.from(text)].map((b) => Buffer.from([b]));
    const split = await sameBothWays(() => Readable.from(bytes));
    expect(split.delimiter).toBe(';');
    expect(split.tickets.map((t) => t.subject)).toEqual(['multi\nline; with ;', 'Ünïcödé']);
    const latin = Buffer.from('Id,Subject,Updated at\n1,Caf\xe9 cr\xe8me \x80,2024-01-01\n', 'latin1');
    const decoded = await sameBothWays(() => Readable.from([latin]), { encoding: 'windows-1252' });
    expect(decoded.tickets[0]!.subject).toBe('Café crème €');
  });

  it('errors: an unclosed quote over the row limit, a quote never closed at the end, too many cells', async () => {
    const tail = 'x'.repeat(64 * 1024);
    const limit = await sameBothWays(() => csvFile(`Id,Subject,Updated at\n1,ok,2024-01-01\n2,"never closed,2024-01-01\n${tail}\n${tail}\n`), { limits: { maxRowChars: 32 * 1024 }, batchSize: 1 });
    expect(limit.error).toMatchObject({ code: 'limit', at: 'row 3' });
    expect(limit.tickets.map((t) => t.externalId)).toEqual(['1']);
    const open = await sameBothWays(() => csvFile('Id,Subject,Updated at\n1,fine,2024-01-01\n2,"open,2024-01-01\n'));
    expect(open.error).toMatchObject({ code: 'parse' });
    expect((open.error as Error).message).toMatch(/quote/i);
    const wide = await sameBothWays(() => csvFile(`Id,Updated at\n1,2024-01-01\n1,2024-01-01,${Array(60).fill('x').join(',')}\n`), { limits: { maxColumns: 20 } });
    expect(wide.error).toMatchObject({ code: 'limit', at: 'row 3' });
  });

  it('reads no further ahead of a slow consumer than a few chunks: memory stays flat whatever the stream', async () => {
    let pulled = 0;
    const line = (n: number) => `${n},A subject line for ticket ${n},,Open,2024-01-01 00:00:00\r\n`;
    // About 60 MiB if read to the end.
    async function* endless() {
      yield Buffer.from(header);
      for (let n = 1; n <= 1_000_000; n += 1000) {
        let chunk = '';
        for (let i = n; i < n + 1000; i++) chunk += line(i);
        pulled += chunk.length;
        yield Buffer.from(chunk);
      }
    }
    const reader = await openCsv(Readable.from(endless()), { worker: true, batchSize: 100 });
    const batches = reader.batches()[Symbol.asyncIterator]();
    await batches.next();
    // Give the worker every chance to run ahead.
    await new Promise((r) => setTimeout(r, 300));
    expect(pulled).toBeLessThan(4 * 1024 * 1024);
    reader.close();
    await expect(batches.next()).rejects.toMatchObject({ code: 'option' });
  });

  it('an abort while the file opens or the worker starts is not missed', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => `${i + 1},S,,Open,2024-03-01T00:00:00Z`).join('\r\n');
    const path = csvFile(`${header}${rows}\r\n`);
    const controller = new AbortController();
    const opening = openCsv(path, { worker: true, signal: controller.signal });
    queueMicrotask(() => controller.abort(new Error('user cancelled')));
    await expect(opening).rejects.toThrow('user cancelled');
  });

  it('an import through a hub with the worker: the same events, an abort stops it, and closing leaves nothing running', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => `${i + 1},Subject ${i + 1},,Open,2024-03-01T00:00:00Z`).join('\r\n');
    const path = csvFile(`${header}${rows}\r\n`);
    const { hub, conn, events } = await csvHub();
    const report = await importCsv(hub, conn.id, path, { worker: true, batchSize: 300 });
    expect(report.run.errors).toEqual([]);
    expect(report.run).toMatchObject({ status: 'succeeded', ticketsSynced: 2000 });
    expect(events.map((e) => e.ticket.externalId)).toEqual(Array.from({ length: 2000 }, (_, i) => String(i + 1)));

    const other = await csvHub();
    const controller = new AbortController();
    other.hub.on('ticket', () => {
      if (other.events.length === 300) controller.abort(new Error('user cancelled'));
    });
    const aborted = await importCsv(other.hub, other.conn.id, path, { worker: true, batchSize: 300, signal: controller.signal });
    expect(aborted.run.status).not.toBe('succeeded');
    expect(other.events.length).toBeLessThan(2000);
  });
});
