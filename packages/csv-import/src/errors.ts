/**
 * Why a CSV import stopped before or while reading rows. Bad rows never throw (they are reported as
 * `RejectedRecord`s); these are the problems that make the rest of the file unreadable or untrustworthy.
 *
 * - `header`: the header row is missing, empty, or has no column for a required field (`id`, a date).
 * - `limit`: a bound was crossed (row size, column count): the file is refused before it can exhaust memory.
 * - `parse`: the file is not CSV the parser can follow (a quote never closed, a stray quote).
 * - `row`: a bad row under `strict: true`.
 * - `option`: an option is wrong (unknown encoding, time zone, preset).
 * - `input`: the file or stream could not be read.
 */
export type CsvImportErrorCode = 'header' | 'limit' | 'parse' | 'row' | 'option' | 'input';

/** A CSV import that cannot go on; `code` classifies it, `at` and `column` locate it where they can. */
export class CsvImportError extends Error {
  readonly code: CsvImportErrorCode;
  /** Where in the file, as `row 12` (the header is row 1, like a spreadsheet shows it). */
  readonly at: string | undefined;
  /** The column at fault, or the field name for a missing mapping. */
  readonly column: string | undefined;

  constructor(code: CsvImportErrorCode, message: string, options: { at?: string; column?: string; cause?: unknown } = {}) {
    super(`[ticketbridge] [csv] ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CsvImportError';
    this.code = code;
    this.at = options.at;
    this.column = options.column;
  }

  /** True for a CsvImportError, even one created by another copy of this package. */
  static isInstance(error: unknown): error is CsvImportError {
    return error instanceof Error && error.name === 'CsvImportError' && typeof (error as { code?: unknown }).code === 'string';
  }
}
