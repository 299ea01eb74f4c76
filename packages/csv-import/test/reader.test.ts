import { describe, expect, it } from 'vitest';
import { openCsv, type CsvProgress } from '../src/index.js';
import { csvFile } from './helpers.js';

describe('openCsv (the reader importCsv drives)', () => {
  it('maps the header before any row, then yields batches of tickets with the rows they refused', async () => {
    const path = csvFile('Id,Subject,Updated at\n1,a,2024-01-01\n2,b,bad\n3,c,2024-01-03\n4,d,2024-01-04\n5,e,2024-01-05\n');
    const reader = await openCsv(path, { batchSize: 2 });
    expect(reader.mapping.fields.id).toEqual({ column: 'Id', indexes: [0] });
    expect(reader.progress()).toMatchObject({ rows: 0, tickets: 0 });
    const batches: Array<{ ids: string[]; rejected: string[]; progress: CsvProgress }> = [];
    for await (const batch of reader.batches()) batches.push({ ids: batch.tickets.map((t) => t.externalId), rejected: (batch.rejected ?? []).map((r) => r.at), progress: reader.progress() });
    expect(batches.map((b) => [b.ids, b.rejected])).toEqual([
      [['1'], ['row 3']],
      [['3', '4'], []],
      [['5'], []],
    ]);
    expect(reader.progress()).toMatchObject({ rows: 5, tickets: 4, rejected: 1, percent: 100 });
    const again = reader.batches()[Symbol.asyncIterator]();
    await expect(again.next()).rejects.toMatchObject({ code: 'option' });
  });

  it('can be closed before reading; a read after that fails instead of waiting forever', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `${i + 1},2024-01-01`).join('\n');
    const reader = await openCsv(csvFile(`Id,Updated at\n${rows}\n`));
    reader.close();
    reader.close();
    await expect(reader.sample(5000)).rejects.toMatchObject({ code: 'option' });
  });
});
