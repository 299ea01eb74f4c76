/**
 * Ticketbridge CSV import: ticket exports (Zendesk, Freshdesk, Jira, HubSpot, Intercom, or any CSV with a mapping)
 * streamed into the same hub, history and events as polled tickets.
 *
 * @packageDocumentation
 */
export { csvSource, csvCredentials, type CsvCredentials } from './connector.js';
export { importCsv, previewCsv, type ImportCsvOptions, type ImportReport, type PreviewCsvOptions, type CsvPreview } from './import.js';
export { openCsv, DEFAULT_LIMITS, type CsvReader, type CsvReadOptions, type CsvLimits, type CsvProgress } from './reader.js';
export { CsvImportError, type CsvImportErrorCode } from './errors.js';
export { resolveMapping, headerKey, type CustomMapping, type MappedColumn, type ResolvedMapping } from './mapping.js';
export { PRESETS, PRESET_NAMES, GENERIC_ALIASES, TICKET_FIELDS, type Preset, type PresetName, type AliasTable, type TicketField } from './presets.js';
export { DEFAULT_STATUS_MAP, DEFAULT_PRIORITY_MAP } from './normalize.js';
export { createDateParser, type DateOrder, type DateParser, type DateParserOptions } from './dates.js';
export { detectDelimiter, type CsvInput, type CsvDelimiter } from './source.js';
