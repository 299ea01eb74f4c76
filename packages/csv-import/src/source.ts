import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import { CsvImportError } from './errors.js';

/** A CSV file: a path (or `file:` URL) on disk, a Node readable stream, or a web `ReadableStream` of bytes. */
export type CsvInput = string | URL | NodeJS.ReadableStream | Readable | WebReadableStream<Uint8Array> | ReadableStream<Uint8Array>;

/** The delimiters detection chooses from. */
export type CsvDelimiter = ',' | ';' | '\t' | '|';

const DELIMITERS: readonly CsvDelimiter[] = [',', ';', '\t', '|'];
const READ_CHUNK = 256 * 1024;

/** An opened input: its bytes, and its size when the input is a file. */
export interface OpenedInput {
  stream: Readable;
  size: number | undefined;
}

/** Opens any {@link CsvInput} as a Node byte stream; a file's size makes percentages possible. */
export async function openInput(input: CsvInput): Promise<OpenedInput> {
  if (typeof input === 'string' || input instanceof URL) {
    const path = input instanceof URL ? fileURLToPath(input) : input;
    let size: number;
    try {
      const info = await stat(path);
      if (!info.isFile()) throw new Error('not a regular file');
      size = info.size;
    } catch (error) {
      throw new CsvImportError('input', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
    }
    return { stream: createReadStream(path, { highWaterMark: READ_CHUNK }), size };
  }
  if (isWebStream(input)) return { stream: Readable.fromWeb(input as WebReadableStream<Uint8Array>), size: undefined };
  const stream = input instanceof Readable ? input : new Readable({ read() {} }).wrap(input as NodeJS.ReadableStream);
  return { stream, size: undefined };
}

function isWebStream(input: unknown): input is ReadableStream<Uint8Array> {
  return typeof (input as { getReader?: unknown }).getReader === 'function';
}

/**
 * Picks the delimiter the header row uses most among `,` `;` tab `|`, outside quotes. The header decides because
 * it is the one row every export has and whose cells (names) rarely contain the others; a tie keeps the comma.
 */
export function detectDelimiter(head: string): CsvDelimiter {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (let i = head.charCodeAt(0) === 0xfeff ? 1 : 0; i < head.length; i++) {
    const c = head[i]!;
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  let best: CsvDelimiter = ',';
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

/** True once `text` holds a whole first line (a line end outside quotes). */
export function hasWholeFirstLine(text: string): boolean {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) return true;
  }
  return false;
}

/**
 * A decoder for `encoding`, checked up front so a typo fails before the import starts. UTF-8 returns `undefined`:
 * the parser reads UTF-8 bytes itself (and its BOM), which is the fast path.
 */
export function decoderFor(encoding: string): TextDecoder | undefined {
  const name = encoding.toLowerCase().replace(/_/g, '-');
  if (name === 'utf-8' || name === 'utf8') return undefined;
  try {
    return new TextDecoder(name, { fatal: false });
  } catch (error) {
    throw new CsvImportError('option', `encoding "${encoding}" is not one this runtime decodes (try "utf-8", "utf-16le", "windows-1252", "iso-8859-1")`, { cause: error });
  }
}
