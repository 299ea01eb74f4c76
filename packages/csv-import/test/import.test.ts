import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CsvImportError, importCsv, type CsvProgress } from '../src/index.js';
import { csvFile, csvHub } from './helpers.js';

const HEADER = 'Id,Subject,Status,Priority,Tags,Created at,Updated at';
const row = (id: number, updated: string, subject = `Ticket ${id}`, status = 'Open') => `${id},${subject},${status},Normal,,2024-01-01 00:00:00 +0000,${updated}`;
const exportOf = (rows: string[]) => `${HEADER}\n${rows.join('\n')}\n`;

describe('importCsv through a real hub', () => {
  it('is one csv run in the history; re-importing the same file emits nothing; a later export emits only its changes', async () => {
    const { hub, conn, events } = await csvHub({ preset: 'zendesk' });
    const first = csvFile(exportOf([row(1, '2024-02-01 00:00:00 +0000'), row(2, '2024-02-01 00:00:00 +0000'), row(3, '2024-02-01 00:00:00 +0000')]));

    const report = await importCsv(hub, conn.id, first);
    expect(report.run).toMatchObject({ trigger: 'csv', status: 'succeeded', ticketsSynced: 3, duplicatesDropped: 0 });
    expect(report.progress).toMatchObject({ rows: 3, tickets: 3, rejected: 0, percent: 100 });
    expect(events.map((e) => [e.type, e.source, e.ticket.externalId])).toEqual([
      ['ticket.created', 'csv', '1'],
      ['ticket.created', 'csv', '2'],
      ['ticket.created', 'csv', '3'],
    ]);

    const again = await importCsv(hub, conn.id, first);
    expect(again.run).toMatchObject({ status: 'succeeded', ticketsSynced: 0, duplicatesDropped: 3 });
    expect(events).toHaveLength(3);

    const later = csvFile(exportOf([row(1, '2024-02-01 00:00:00 +0000'), row(2, '2024-03-01 00:00:00 +0000', 'Ticket 2', 'Solved'), row(3, '2024-02-01 00:00:00 +0000'), row(4, '2024-03-02 00:00:00 +0000')]));
    const third = await importCsv(hub, conn.id, later);
    expect(third.run).toMatchObject({ ticketsSynced: 2, duplicatesDropped: 2 });
    expect(events.slice(3).map((e) => [e.type, e.ticket.externalId, e.changes])).toEqual([
      ['ticket.updated', '2', { status: { from: 'open', to: 'solved' } }],
      ['ticket.created', '4', undefined],
    ]);
    expect((await hub.history(conn.id)).map((r) => r.trigger)).toEqual(['csv', 'csv', 'csv']);
  });

  it('reports each bad row with its row number, column and reason, and imports the rest', async () => {
    const { hub, conn, events } = await csvHub({ preset: 'zendesk' });
    const file = csvFile(exportOf([row(1, '2024-02-01 00:00:00 +0000'), row(2, 'yesterday'), `,No id,Open,Normal,,2024-01-01,2024-01-02`, row(4, '2024-02-31 10:00')]));
    const report = await importCsv(hub, conn.id, file);
    // The header is row 1, as a spreadsheet shows the file.
    expect(report.rejected).toEqual([
      { at: 'row 3', field: 'Updated at', reason: 'not a date: "yesterday"' },
      { at: 'row 4', field: 'Id', reason: 'no ticket id' },
      { at: 'row 5', field: 'Updated at', reason: 'not a date: "2024-02-31 10:00"' },
    ]);
    expect(report.run).toMatchObject({ status: 'succeeded', ticketsSynced: 1, rejected: 3 });
    expect(report.run.errors.map((e) => [e.code, e.field, e.message])).toEqual([
      ['rejected_record', 'Updated at', 'row 3, Updated at: not a date: "yesterday"'],
      ['rejected_record', 'Id', 'row 4, Id: no ticket id'],
      ['rejected_record', 'Updated at', 'row 5, Updated at: not a date: "2024-02-31 10:00"'],
    ]);
    expect(events.map((e) => e.ticket.externalId)).toEqual(['1']);
  });

  it('strict: stops at the first bad row, the run fails naming it, and nothing of that batch is delivered', async () => {
    const { hub, conn, events } = await csvHub({ preset: 'zendesk' });
    const rows = Array.from({ length: 10 }, (_, i) => row(i + 1, '2024-02-01 00:00:00 +0000'));
    rows[6] = row(7, '13/13/2024');
    const report = await importCsv(hub, conn.id, csvFile(exportOf(rows)), { strict: true, batchSize: 5 });
    expect(report.run.status).toBe('failed');
    expect(report.error).toBeInstanceOf(CsvImportError);
    expect(report.error).toMatchObject({ code: 'row', at: 'row 8', column: 'Updated at' });
    expect(report.run.errors.at(-1)!.message).toContain('row 8, Updated at: not a date: "13/13/2024"');
    // The first batch (rows 2-6) was delivered before the bad row was read; the batch holding it was not.
    expect(events.map((e) => e.ticket.externalId)).toEqual(['1', '2', '3', '4', '5']);
  });

  it('reports progress per batch: rows, bytes and percent of the file, and the hub emits sync.progress', async () => {
    const { hub, conn, progress: hubProgress } = await csvHub({ preset: 'zendesk' });
    const rows = Array.from({ length: 2500 }, (_, i) => row(i + 1, '2024-02-01 00:00:00 +0000'));
    const path = csvFile(exportOf(rows));
    const seen: CsvProgress[] = [];
    const report = await importCsv(hub, conn.id, path, { batchSize: 1000, onProgress: (p) => seen.push(p) });
    expect(seen.map((p) => p.rows)).toEqual([1000, 2000, 2500]);
    expect(seen.every((p, i) => i === 0 || p.bytes >= seen[i - 1]!.bytes)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ tickets: 2500, percent: 100, bytes: seen.at(-1)!.totalBytes });
    expect(seen[0]!.percent).toBeGreaterThan(0);
    expect(hubProgress.map((p) => [p.runId, p.tickets])).toEqual([
      [report.run.id, 1000],
      [report.run.id, 2000],
      [report.run.id, 2500],
    ]);
  });

  it('uses the preset stored with the connection, and the option over it', async () => {
    const { hub, conn, events } = await csvHub({ preset: 'hubspot' });
    const report = await importCsv(hub, conn.id, csvFile('Ticket ID,Ticket name,Ticket status,Create date\n7,Hello,New,2024-03-01 10:00\n'));
    expect(report.mapping.fields.subject?.column).toBe('Ticket name');
    await importCsv(hub, conn.id, csvFile('Ticket ID,Ticket name,Ticket status,Create date\n7,Hello again,New,2024-03-02 10:00\n'), { preset: 'zendesk' });
    expect(events.map((e) => [e.type, e.ticket.platform])).toEqual([
      ['ticket.created', 'hubspot'],
      ['ticket.updated', 'zendesk'],
    ]);
  });

  it('a header without an id or a date fails before any run is recorded, naming what it looked for', async () => {
    const { hub, conn } = await csvHub();
    const noId = csvFile('Subject,Status,Updated at\nHello,Open,2024-01-01\n');
    const error = await importCsv(hub, conn.id, noId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsvImportError);
    expect(error).toMatchObject({ code: 'header', column: 'id' });
    expect((error as Error).message).toContain('"Subject", "Status", "Updated at"');
    const noDate = csvFile('Id,Subject\n1,Hello\n');
    await expect(importCsv(hub, conn.id, noDate)).rejects.toMatchObject({ code: 'header', column: 'updatedAt' });
    expect(await hub.history(conn.id)).toEqual([]);
    await expect(importCsv(hub, 'nope', noDate)).rejects.toMatchObject({ code: 'option' });
  });

  it('a file broken midway (a quote never closed) ends the run as failed with the place, keeping earlier batches', async () => {
    const { hub, conn, events } = await csvHub({ preset: 'zendesk' });
    const rows = Array.from({ length: 6 }, (_, i) => row(i + 1, '2024-02-01 00:00:00 +0000'));
    const file = csvFile(`${exportOf(rows)}7,"Broken subject,Open,Normal,,2024-01-01,2024-01-02\n8,x,Open,Normal,,2024-01-01,2024-01-02\n`);
    const report = await importCsv(hub, conn.id, file, { batchSize: 3 });
    expect(report.run.status).toBe('failed');
    expect(report.error).toMatchObject({ code: 'parse' });
    expect(report.error!.message).toMatch(/quote/i);
    expect(events.map((e) => e.ticket.externalId)).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it('a stream that fails midway ends the run as failed (input), keeping the batches before it', async () => {
    const { hub, conn, events } = await csvHub({ preset: 'zendesk' });
    const rows = Array.from({ length: 30 }, (_, i) => row(i + 1, '2024-02-01 00:00:00 +0000'));
    async function* upload() {
      yield Buffer.from(exportOf(rows));
      await new Promise((r) => setTimeout(r, 20));
      throw new Error('connection reset by peer');
    }
    const report = await importCsv(hub, conn.id, Readable.from(upload()), { batchSize: 10 });
    expect(report.run.status).toBe('failed');
    expect(report.error).toMatchObject({ code: 'input' });
    expect(report.error!.message).toContain('connection reset by peer');
    expect(report.run.errors.at(-1)!.message).toContain('connection reset by peer');
    // Whole batches from the start of the file, delivered before the stream failed; rows still in the parser's
    // buffer when it was torn down are not, and re-importing the complete file delivers them (dedupe skips the rest).
    const ids = events.map((e) => e.ticket.externalId);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.length % 10).toBe(0);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => String(i + 1)));
  });

  it('an abort signal stops reading and the run ends without delivering the rest', async () => {
    const { hub, conn, events } = await csvHub({ preset: 'zendesk' });
    const controller = new AbortController();
    const rows = Array.from({ length: 50 }, (_, i) => row(i + 1, '2024-02-01 00:00:00 +0000'));
    const report = await importCsv(hub, conn.id, Readable.from([exportOf(rows)]), {
      batchSize: 10,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.rows >= 20) controller.abort(new Error('user cancelled'));
      },
    });
    expect(report.run).toMatchObject({ status: 'failed', note: 'aborted' });
    // Aborted right after the second batch was delivered: nothing after it.
    expect(events.map((e) => e.ticket.externalId)).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1)));
  });
});
