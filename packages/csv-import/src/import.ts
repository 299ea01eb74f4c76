import type { Hub, RejectedRecord, SyncRun, TicketDraft } from '@ticketbridge/core';
import { CsvImportError } from './errors.js';
import type { ResolvedMapping } from './mapping.js';
import { PRESET_NAMES, type PresetName } from './presets.js';
import { openCsv, type CsvProgress, type CsvReadOptions } from './reader.js';
import type { CsvDelimiter, CsvInput } from './source.js';

/** Options of {@link importCsv}. */
export interface ImportCsvOptions extends CsvReadOptions {
  /** Called after each batch is delivered and committed, with rows, bytes and percent so far. */
  onProgress?: (progress: CsvProgress) => void;
}

/** What an import did. */
export interface ImportReport {
  /** The run in the connection's sync history (trigger `csv`): status, `ticketsSynced`, `duplicatesDropped`, `rejected`. */
  run: SyncRun;
  /** Counters at the end: rows read, tickets, rows refused, bytes. */
  progress: CsvProgress;
  /** The refused rows, in file order (the first 1000; `progress.rejected` counts them all). */
  rejected: RejectedRecord[];
  /** How the header was read. */
  mapping: ResolvedMapping;
  delimiter: CsvDelimiter;
  /** Why the run stopped early (a parse error, a limit, the first bad row under `strict`), when it failed. */
  error?: CsvImportError;
}

const KEPT_REJECTIONS = 1000;

/**
 * Imports a CSV export into a connection: rows stream through the parser into normalized tickets, delivered in
 * batches through `hub.importTickets`, so the import is one run in the sync history (trigger `csv`), events carry
 * `source: 'csv'`, and dedupe applies: re-importing the same file emits nothing, a later export emits only the
 * tickets that changed. Memory stays flat whatever the file size.
 *
 * Bad rows (no id, a date that is not one) are reported with their row, column and reason, and the import goes on
 * unless `strict`. The connection's `preset` credential is used when `options.preset` is not given.
 *
 * @throws {CsvImportError} before any row is imported, when the file cannot be: no such connection, an unreadable
 *   file, a header without an id or date column, a wrong option. Problems found later end the run as failed
 *   (see {@link ImportReport.error}); the batches before them stay delivered, and re-importing is safe.
 *
 * @example
 * ```ts
 * const conn = await hub.connect({ platform: 'csv', credentials: { label: 'Zendesk export', preset: 'zendesk' }, syncMode: 'poll' });
 * const report = await importCsv(hub, conn.id, './tickets.csv', { timeZone: 'Europe/Paris', onProgress: (p) => console.log(p.percent) });
 * console.log(report.run.ticketsSynced, report.rejected);
 * ```
 */
export async function importCsv(hub: Hub, connectionId: string, input: CsvInput, options: ImportCsvOptions = {}): Promise<ImportReport> {
  const connection = await hub.get(connectionId);
  if (!connection) throw new CsvImportError('option', `no connection "${connectionId}"`);
  const stored = connection.credentials['preset'];
  const preset = options.preset ?? (typeof stored === 'string' && (PRESET_NAMES as readonly string[]).includes(stored) && stored !== 'none' ? (stored as PresetName) : undefined);
  const reader = await openCsv(input, { ...options, ...(preset ? { preset } : {}) });
  const rejected: RejectedRecord[] = [];
  let stopped: CsvImportError | undefined;
  async function* batches() {
    try {
      for await (const batch of reader.batches(options.onProgress)) {
        for (const r of batch.rejected ?? []) if (rejected.length < KEPT_REJECTIONS) rejected.push(r);
        // The reader made these drafts for this import and keeps none: the hub may use them as the events' tickets.
        yield { ...batch, handOver: true };
      }
    } catch (error) {
      // Kept as thrown, with its code: the run's history has only its message.
      if (CsvImportError.isInstance(error)) stopped = error;
      throw error;
    }
  }
  let run: SyncRun;
  try {
    run = await hub.importTickets(connectionId, batches(), options.signal ? { signal: options.signal } : {});
  } finally {
    reader.close();
  }
  const report: ImportReport = { run, progress: reader.progress(), rejected, mapping: reader.mapping, delimiter: reader.delimiter };
  if (stopped && run.status === 'failed') report.error = stopped;
  return report;
}

/** Options of {@link previewCsv}. */
export interface PreviewCsvOptions extends Omit<CsvReadOptions, 'strict' | 'batchSize' | 'worker'> {
  /** Data rows to read. Default 20. */
  rows?: number;
}

/** The first rows of a file as they would be imported, for a preview screen. */
export interface CsvPreview {
  /** The header as written. */
  columns: string[];
  /** Which column feeds which field, and the columns left to `customFields`. */
  mapping: ResolvedMapping;
  delimiter: CsvDelimiter;
  /** The drafts the rows become. */
  tickets: TicketDraft[];
  /** The rows among them that would be refused, with row, column and reason. */
  errors: RejectedRecord[];
  /** True when the file has more rows than were read. */
  truncated: boolean;
}

/**
 * A dry run: reads the header and the first `rows` rows, normalized exactly as {@link importCsv} would, without a
 * hub and without delivering anything. Header problems throw the same {@link CsvImportError} the import would.
 */
export async function previewCsv(input: CsvInput, options: PreviewCsvOptions = {}): Promise<CsvPreview> {
  const rows = options.rows ?? 20;
  if (!Number.isInteger(rows) || rows < 1) throw new CsvImportError('option', 'rows must be a positive integer');
  const { rows: _rows, ...read } = options;
  // A few rows: a worker thread would cost more to start than the parse it saves.
  const reader = await openCsv(input, { ...read, worker: false });
  const sample = await reader.sample(rows);
  return { columns: reader.mapping.columns, mapping: reader.mapping, delimiter: reader.delimiter, tickets: sample.tickets, errors: sample.errors, truncated: sample.truncated };
}
