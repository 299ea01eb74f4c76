import { pipeline, Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { parse, type Options as ParseOptions } from 'csv-parse';

/**
 * Parsed records, one at a time, from csv-parse in this thread or in a worker thread. The reader's loop takes every
 * buffered record synchronously with `read()`, and awaits `more()` only when none is buffered.
 */
export interface RecordSource {
  /** The next buffered record, or null when none is buffered right now. */
  read(): string[] | null;
  /** Resolves once `read()` may answer something new, or the source ended, failed or was closed. */
  more(): Promise<void>;
  /** True once every record was read. */
  readonly ended: boolean;
  /** What stopped the parse (a csv-parse error, an unreadable input), once one did. Records read before it are good. */
  readonly failure: unknown;
  /** Stops parsing and releases the input. Safe to call more than once. */
  close(): void;
}

/** One waiter at a time: `wait()` resolves at the next `wake()` (a wake with nobody waiting is a no-op). */
class Waiter {
  #resolve: (() => void) | undefined;
  wait(): Promise<void> {
    return new Promise<void>((resolve) => (this.#resolve = resolve));
  }
  wake(): void {
    const resolve = this.#resolve;
    this.#resolve = undefined;
    resolve?.();
  }
}

/** The options both parsers run with: the reader's, whichever thread parses. */
export type CsvParseOptions = Pick<ParseOptions, 'delimiter' | 'bom' | 'relax_column_count' | 'skip_empty_lines' | 'max_record_size'>;

/** csv-parse on this thread, fed by `chunks` through a stream pipeline. */
export function threadRecords(chunks: AsyncIterable<Buffer | string>, options: CsvParseOptions): RecordSource {
  const parser = parse(options);
  let failure: unknown;
  let ended = false;
  let closed = false;
  const rows = new Waiter();
  const notify = () => rows.wake();
  const feeder = Readable.from(chunks, { objectMode: false });
  pipeline(feeder, parser, (error) => {
    if (error && failure === undefined && !closed) failure = error;
    notify();
  });
  parser.on('readable', notify);
  parser.on('end', () => {
    ended = true;
    notify();
  });
  return {
    read: () => parser.read() as string[] | null,
    more: () => (closed ? Promise.resolve() : rows.wait()),
    get ended() {
      return ended;
    },
    get failure() {
      return failure;
    },
    close() {
      if (closed) return;
      closed = true;
      feeder.destroy();
      parser.destroy();
      // A read waiting for records must not wait for a stream that will never speak again.
      notify();
    },
  };
}

/** Chunks sent to the worker and not yet parsed: enough to keep it busy while the next one is read. */
const CHUNKS_AHEAD = 4;
/** Records received from the worker and not yet read: past this the input is not read further. */
const ROWS_AHEAD = 10_000;
/** How long a worker may take to load before the parse stays on this thread. */
const WORKER_START_MS = 10_000;

type FromWorker =
  | { t: 'ready' }
  | { t: 'rows'; rows: string[][] }
  | { t: 'ack' }
  | { t: 'error'; code?: string; message: string; records?: number }
  | { t: 'end' }
  | { t: 'synced' };

/** A csv-parse error as the worker reported it, with the fields the reader classifies by. */
class WorkerParseError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly records: number | undefined,
  ) {
    super(message);
    this.name = 'CsvError';
  }
}

/**
 * csv-parse in a worker thread (`parse-worker.mjs`), fed with the input's chunks from this thread (transferred, not
 * copied, when a chunk owns its memory). Flow control keeps memory flat: at most {@link CHUNKS_AHEAD} chunks wait in
 * the worker and about {@link ROWS_AHEAD} parsed records wait here, so a slow consumer stops the input being read.
 *
 * Resolves to `undefined`, having read nothing from `chunks`, when no worker can start here (a bundle without
 * `parse-worker.mjs`, a runtime without worker threads): the caller parses on its own thread instead.
 */
export async function workerRecords(chunks: AsyncIterator<Buffer | string>, options: CsvParseOptions): Promise<RecordSource | undefined> {
  let worker: Worker;
  try {
    worker = new Worker(new URL('./parse-worker.mjs', import.meta.url), { workerData: { options } });
  } catch {
    return undefined;
  }
  const started = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => done(false), WORKER_START_MS);
    const onMessage = (m: FromWorker) => m.t === 'ready' && done(true);
    const onFail = () => done(false);
    function done(ok: boolean) {
      clearTimeout(timer);
      worker.off('message', onMessage).off('error', onFail).off('exit', onFail);
      resolve(ok);
    }
    worker.on('message', onMessage).once('error', onFail).once('exit', onFail);
  });
  if (!started) {
    void worker.terminate();
    return undefined;
  }

  const batches: string[][][] = [];
  let current: string[][] = [];
  let index = 0;
  let queuedRows = 0;
  let sent = 0;
  let acked = 0;
  let workerEnded = false;
  let failure: unknown;
  let inputError: unknown;
  let closed = false;
  // `rows`: this thread's reader waits for records; `credit`: the pump waits for room to send another chunk.
  const rows = new Waiter();
  const credit = new Waiter();
  const notify = () => rows.wake();
  const grant = () => credit.wake();
  const fail = (error: unknown) => {
    failure ??= error;
    stop();
  };
  const stop = () => {
    worker.removeAllListeners('message');
    void worker.terminate();
    grant();
    notify();
  };
  // Referenced only while this thread waits on the worker, so an abandoned reader never keeps the process alive.
  worker.unref();
  worker.on('message', (m: FromWorker) => {
    if (m.t === 'rows') {
      batches.push(m.rows);
      queuedRows += m.rows.length;
      notify();
    } else if (m.t === 'ack') {
      acked++;
      grant();
    } else if (m.t === 'end') {
      workerEnded = true;
      stop();
    } else if (m.t === 'error') {
      fail(new WorkerParseError(m.message, m.code, m.records));
    } else if (m.t === 'synced') {
      fail(inputError);
    }
  });
  worker.on('error', (error) => fail(error));
  worker.on('exit', (code) => {
    if (!workerEnded && !closed) fail(new Error(`the CSV parsing worker stopped (exit code ${code})`));
  });

  void (async () => {
    try {
      for (;;) {
        while (!closed && failure === undefined && (sent - acked >= CHUNKS_AHEAD || queuedRows >= ROWS_AHEAD)) await credit.wait();
        if (closed || failure !== undefined) return;
        const r = await chunks.next();
        if (closed || failure !== undefined) return;
        if (r.done) {
          worker.postMessage({ t: 'end' });
          return;
        }
        const chunk = r.value;
        // A chunk that owns its whole buffer moves to the worker; one sharing a pooled buffer is copied.
        if (typeof chunk !== 'string' && chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer) worker.postMessage({ c: chunk }, [chunk.buffer]);
        else worker.postMessage({ c: chunk });
        sent++;
      }
    } catch (error) {
      // The records of the chunks already sent are as good as any: they arrive before the worker's answer, and
      // only then does the input's failure stop the parse.
      inputError = error;
      worker.postMessage({ t: 'sync' });
    }
  })();

  return {
    read() {
      for (;;) {
        if (index < current.length) {
          const record = current[index]!;
          index++;
          queuedRows--;
          return record;
        }
        const next = batches.shift();
        if (next === undefined) {
          if (queuedRows < ROWS_AHEAD) grant();
          return null;
        }
        current = next;
        index = 0;
        if (queuedRows < ROWS_AHEAD) grant();
      }
    },
    more() {
      if (closed || failure !== undefined || (workerEnded && batches.length === 0)) return Promise.resolve();
      worker.ref();
      return rows.wait().then(() => void worker.unref());
    },
    get ended() {
      return workerEnded && batches.length === 0 && index >= current.length;
    },
    get failure() {
      return failure;
    },
    close() {
      if (closed) return;
      closed = true;
      batches.length = 0;
      current = [];
      stop();
    },
  };
}
