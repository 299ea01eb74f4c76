import type { ImportBatch, RejectedRecord, TicketDraft, TicketPriority, TicketStatus } from '@ticketbridge/core';
import { createDateParser, type DateOrder } from './dates.js';
import { CsvImportError } from './errors.js';
import { resolveMapping, type CustomMapping, type ResolvedMapping } from './mapping.js';
import { createRowNormalizer, DEFAULT_PRIORITY_MAP, DEFAULT_STATUS_MAP, type RowNormalizer } from './normalize.js';
import { PRESETS, PRESET_NAMES, type PresetName } from './presets.js';
import { threadRecords, workerRecords, type CsvParseOptions, type RecordSource } from './records.js';
import { decoderFor, detectDelimiter, hasWholeFirstLine, openInput, type CsvDelimiter, type CsvInput } from './source.js';

/** Bounds that turn a hostile or broken file into a classified {@link CsvImportError} instead of exhausted memory. */
export interface CsvLimits {
  /** Largest row the parser buffers, in characters (csv-parse `max_record_size`). Default 4 MiB; over it the import stops (`limit`). */
  maxRowChars: number;
  /** Most columns in the header or a row. Default 5000 (Jira "all fields" exports run to hundreds); over it the import stops (`limit`). */
  maxColumns: number;
  /** Longest cell, in characters. Default 1 MiB; a longer cell refuses its row (a reported bad row, not a stop). */
  maxFieldChars: number;
}

/** Default {@link CsvLimits}. */
export const DEFAULT_LIMITS: Readonly<CsvLimits> = { maxRowChars: 4 * 1024 * 1024, maxColumns: 5000, maxFieldChars: 1024 * 1024 };

/** How a file is read and normalized: everything but the hub. */
export interface CsvReadOptions {
  /** The platform whose ticket export this is: its real column names are matched first, and its id is the drafts' `platform`. */
  preset?: PresetName;
  /** Columns of your own for some or all fields; they win over the preset. See {@link CustomMapping}. */
  mapping?: CustomMapping;
  /** The field delimiter, or `auto` (default): the one of `,` `;` tab `|` the header row uses most. */
  delimiter?: CsvDelimiter | 'auto';
  /** The file's character encoding (WHATWG label: `utf-8`, `utf-16le`, `windows-1252`...). Default `utf-8`; a BOM is skipped. */
  encoding?: string;
  /** IANA zone of dates written without an offset (the exporting account's). Default `UTC`. */
  timeZone?: string;
  /** Day/month order of all-numeric dates. Default `auto` (ambiguous dates are refused, never guessed). */
  dateOrder?: DateOrder;
  /** Extra or replacement status labels (lower-cased keys) → normalized status, merged over {@link DEFAULT_STATUS_MAP}. */
  statusMap?: Readonly<Record<string, TicketStatus>>;
  /** Extra or replacement priority labels (lower-cased keys), merged over {@link DEFAULT_PRIORITY_MAP}. */
  priorityMap?: Readonly<Record<string, TicketPriority>>;
  /** What separates tags in one cell. Default: the preset's (Zendesk a space), else a comma. */
  tagSeparator?: string | RegExp;
  /** The drafts' `platform`. Default: the preset's platform, else `csv`. */
  platform?: string;
  /** Builds a ticket's link for people when the file has no URL column (`(id) => \`https://acme.zendesk.com/agent/tickets/${id}\``). */
  ticketUrl?: (externalId: string) => string;
  /** Stop at the first bad row instead of reporting it and going on. Default false. */
  strict?: boolean;
  /** Rows per batch handed to the hub (one store commit and one progress event each). Default 1000. */
  batchSize?: number;
  /** See {@link CsvLimits}. */
  limits?: Partial<CsvLimits>;
  /** Stops reading; the run ends as aborted. */
  signal?: AbortSignal;
  /**
   * Where csv-parse runs. `auto` (default): in a worker thread for a stream or a file of 4 MiB or more, so splitting
   * bytes into records uses a second core while this thread normalizes, dedupes and stores; on this thread for a
   * smaller file, where starting a worker (tens of milliseconds) would cost more than it saves. `true`: always in a
   * worker; `false`: never. Where no worker can start (a bundle that left out `parse-worker.mjs`), parsing stays on
   * this thread. Results, errors and limits are the same either way.
   */
  worker?: boolean | 'auto';
}

/** The file size from which `worker: 'auto'` parses in a worker thread. */
const WORKER_MIN_BYTES = 4 * 1024 * 1024;

/** Counters of one read, live while it runs. */
export interface CsvProgress {
  /** Data rows read (blank rows not counted). */
  rows: number;
  /** Rows that became tickets. */
  tickets: number;
  /** Rows refused (bad date, no id...). */
  rejected: number;
  /** Bytes read from the input so far. */
  bytes: number;
  /** The file's size, when the input is a path. */
  totalBytes?: number;
  /** `bytes / totalBytes` as 0–100, when the size is known. */
  percent?: number;
}

/** An opened CSV whose header is read and mapped; its rows are read by iterating {@link CsvReader.batches}. */
export interface CsvReader {
  /** The header and which column feeds which field. */
  readonly mapping: ResolvedMapping;
  /** The delimiter in use (detected or given). */
  readonly delimiter: CsvDelimiter;
  /** The encoding the bytes are decoded with. */
  readonly encoding: string;
  /** The `platform` of the drafts. */
  readonly platform: string;
  /** Live counters. */
  progress(): CsvProgress;
  /**
   * The rows as batches, once (a second call throws). `onBatch` runs after each batch was consumed (for the hub:
   * delivered and committed), with the counters then. Closes the input when done, failed or left early.
   */
  batches(onBatch?: (progress: CsvProgress) => void): AsyncIterable<ImportBatch>;
  /**
   * Reads up to `rows` data rows (tickets and refused), then closes the input. `truncated`: reading stopped at the
   * limit rather than at the end of the file.
   */
  sample(rows: number): Promise<{ tickets: TicketDraft[]; errors: RejectedRecord[]; truncated: boolean }>;
  /** Stops reading and releases the input. Safe to call more than once. */
  close(): void;
}

/**
 * Opens a CSV, detects its delimiter, reads and maps its header, and checks the required fields, all before any
 * row is read: a file that cannot be imported fails here, before a run is recorded.
 *
 * @throws {CsvImportError} `header` (missing or unmappable header), `option`, `input`, `parse`, `limit`.
 */
export async function openCsv(input: CsvInput, options: CsvReadOptions = {}): Promise<CsvReader> {
  const preset = options.preset;
  if (preset !== undefined && !PRESET_NAMES.includes(preset)) throw new CsvImportError('option', `unknown preset "${String(preset)}"; presets: ${PRESET_NAMES.join(', ')}`);
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new CsvImportError('option', 'batchSize must be a positive integer');
  const encoding = options.encoding ?? 'utf-8';
  const decoder = decoderFor(encoding);
  const parseDate = createDateParser({ ...(options.timeZone ? { timeZone: options.timeZone } : {}), ...(options.dateOrder ? { dateOrder: options.dateOrder } : {}) });
  options.signal?.throwIfAborted();

  const { stream: source, size } = await openInput(input);
  const counters: CsvProgress = { rows: 0, tickets: 0, rejected: 0, bytes: 0, ...(size === undefined ? {} : { totalBytes: size }) };
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const toBuffer = (chunk: Buffer | string) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk);

  // Read just enough for the header row, to pick the delimiter before the parser starts.
  const head: Buffer[] = [];
  let headBytes = 0;
  let headText = '';
  try {
    for (;;) {
      const r = await chunks.next();
      if (r.done) break;
      const buf = toBuffer(r.value);
      head.push(buf);
      headBytes += buf.length;
      headText = new TextDecoder(decoder ? decoder.encoding : 'utf-8').decode(Buffer.concat(head));
      if (hasWholeFirstLine(headText) || headBytes > limits.maxRowChars * 4) break;
    }
  } catch (error) {
    source.destroy();
    throw new CsvImportError('input', `cannot read the file: ${(error as Error).message}`, { cause: error });
  }
  counters.bytes = headBytes;
  const delimiter = !options.delimiter || options.delimiter === 'auto' ? detectDelimiter(headText) : options.delimiter;

  async function* feed(): AsyncGenerator<Buffer | string> {
    const out = (buf: Buffer) => (decoder ? decoder.decode(buf, { stream: true }) : buf);
    for (const buf of head) yield out(buf);
    head.length = 0;
    for (;;) {
      const r = await chunks.next();
      if (r.done) break;
      const buf = toBuffer(r.value);
      counters.bytes += buf.length;
      yield out(buf);
    }
    if (decoder) {
      const tail = decoder.decode();
      if (tail) yield tail;
    }
  }

  const parseOptions: CsvParseOptions = { delimiter, bom: true, relax_column_count: true, skip_empty_lines: false, max_record_size: limits.maxRowChars };
  const inWorker = options.worker === true || ((options.worker ?? 'auto') === 'auto' && (size === undefined || size >= WORKER_MIN_BYTES));
  let records: RecordSource;
  try {
    records = (inWorker ? await workerRecords(feed(), parseOptions) : undefined) ?? threadRecords(feed(), parseOptions);
  } catch (error) {
    source.destroy();
    throw error;
  }
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    records.close();
    source.destroy();
  };
  let aborted: unknown;
  const onAbort = () => {
    aborted ??= options.signal?.reason;
    close();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // Aborted while a worker was starting: the listener came too late to hear it.
  if (options.signal?.aborted) onAbort();
  const release = () => {
    options.signal?.removeEventListener('abort', onAbort);
    close();
  };
  /** Why reading stopped: the abort first, since closing the parser for it may also fail the parse. */
  const failure = () => aborted ?? records.failure;

  const classify = (error: unknown, rowNo: number): Error => {
    if (CsvImportError.isInstance(error)) return error;
    if (options.signal?.aborted && error === options.signal.reason) return error as Error;
    const code = (error as { code?: string }).code;
    // The parser reads ahead of the rows taken, so its own count places the error; the header is its record 1.
    const records = (error as { records?: unknown }).records;
    const at = `row ${typeof records === 'number' ? records + 1 : rowNo + 1}`;
    if (code === 'CSV_MAX_RECORD_SIZE') return new CsvImportError('limit', `${at} is longer than ${limits.maxRowChars} characters (limits.maxRowChars): is a quote left open?`, { at, cause: error });
    if (typeof code === 'string' && code.startsWith('CSV_')) return new CsvImportError('parse', `${at}: ${(error as Error).message}`, { at, cause: error });
    return new CsvImportError('input', `cannot read the file: ${(error as Error).message}`, { cause: error });
  };

  /** The next record, or null at the end. Only the header read uses it: rows are read in a tighter loop. */
  const nextRecord = async (rowNo: number): Promise<string[] | null> => {
    for (;;) {
      const record = records.read();
      if (record !== null) return record;
      if (failure() !== undefined) throw classify(failure(), rowNo);
      if (records.ended) return null;
      if (closed) throw new CsvImportError('option', 'this CSV reader was closed before its rows were read');
      await records.more();
    }
  };

  let header: string[] | null;
  try {
    header = await nextRecord(0);
    if (header === null || header.every((h) => !h.trim())) throw new CsvImportError('header', 'the file is empty: no header row', { at: 'row 1' });
    if (header.length > limits.maxColumns) throw new CsvImportError('limit', `the header has ${header.length} columns, over the ${limits.maxColumns} limit (limits.maxColumns)`, { at: 'row 1' });
  } catch (error) {
    release();
    throw error;
  }
  let mapping: ResolvedMapping;
  let normalize: RowNormalizer;
  const platform = options.platform ?? (preset ? PRESETS[preset].platform : 'csv');
  try {
    mapping = resolveMapping(header, preset, options.mapping);
    normalize = createRowNormalizer(mapping, {
      platform,
      tagSeparator: options.tagSeparator ?? (preset ? PRESETS[preset].tagSeparator : ','),
      parseDate,
      statusMap: { ...DEFAULT_STATUS_MAP, ...lowerKeys(options.statusMap) },
      priorityMap: { ...DEFAULT_PRIORITY_MAP, ...lowerKeys(options.priorityMap) },
      maxFieldChars: limits.maxFieldChars,
      ticketUrl: options.ticketUrl,
    });
  } catch (error) {
    release();
    throw error;
  }

  let rowNo = 1;
  let started = false;
  const progress = (): CsvProgress => {
    const bytes = size === undefined ? counters.bytes : Math.min(counters.bytes, size);
    return { ...counters, bytes, ...(size ? { percent: Math.min(100, Math.round((bytes / size) * 1000) / 10) } : size === 0 ? { percent: 100 } : {}) };
  };

  /**
   * Reads rows into `tickets` / `rejected` until `limit` rows were taken or the file ended; answers whether it
   * ended. A synchronous inner loop over `records.read()`: one await per parsed chunk, not per row.
   */
  const fill = async (tickets: TicketDraft[], rejected: RejectedRecord[], limit: number): Promise<boolean> => {
    let taken = 0;
    for (;;) {
      let record: string[] | null;
      while (taken < limit && (record = records.read()) !== null) {
        rowNo++;
        if (record.length > limits.maxColumns) throw new CsvImportError('limit', `row ${rowNo} has ${record.length} cells, over the ${limits.maxColumns} limit (limits.maxColumns)`, { at: `row ${rowNo}` });
        if (isBlank(record)) continue;
        counters.rows++;
        taken++;
        const out = normalize(record, `row ${rowNo}`);
        if ('reason' in out) {
          if (options.strict) throw new CsvImportError('row', `${out.at}${out.field ? `, ${out.field}` : ''}: ${out.reason} (strict: the import stops at the first bad row)`, { at: out.at, ...(out.field ? { column: out.field } : {}) });
          counters.rejected++;
          rejected.push(out);
        } else {
          counters.tickets++;
          tickets.push(out);
        }
      }
      if (taken >= limit) return false;
      // Rows parsed before a failure were taken above: they are as good as any.
      if (failure() !== undefined) throw classify(failure(), rowNo);
      if (records.ended) return true;
      if (closed) throw new CsvImportError('option', 'this CSV reader was closed before its rows were read');
      await records.more();
    }
  };

  const claim = () => {
    if (started) throw new CsvImportError('option', 'this CSV reader was already read; open the file again');
    started = true;
  };

  return {
    mapping,
    delimiter,
    encoding,
    platform,
    progress,
    close: release,
    async *batches(onBatch) {
      claim();
      try {
        for (;;) {
          const tickets: TicketDraft[] = [];
          const rejected: RejectedRecord[] = [];
          const done = await fill(tickets, rejected, batchSize);
          if (tickets.length || rejected.length) {
            yield rejected.length ? { tickets, rejected } : { tickets };
            onBatch?.(progress());
          }
          if (done) break;
        }
      } finally {
        release();
      }
    },
    async sample(rows) {
      claim();
      const tickets: TicketDraft[] = [];
      const errors: RejectedRecord[] = [];
      try {
        const done = await fill(tickets, errors, rows);
        return { tickets, errors, truncated: !done };
      } finally {
        release();
      }
    },
  };
}

function isBlank(record: readonly string[]): boolean {
  for (const cell of record) if (cell.trim()) return false;
  return true;
}

function lowerKeys<T>(map: Readonly<Record<string, T>> | undefined): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(map ?? {})) out[k.trim().toLowerCase()] = v;
  return out;
}
