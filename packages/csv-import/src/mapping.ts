import { CsvImportError } from './errors.js';
import { GENERIC_ALIASES, PRESETS, TICKET_FIELDS, type PresetName, type TicketField } from './presets.js';

/**
 * A mapping of your own: for each field, the header (or headers, first found wins) that feeds it, matched
 * case-insensitively; `null` leaves a field unmapped even where a preset or generic alias would match. Fields left
 * out fall back to the preset, then to the generic aliases.
 */
export type CustomMapping = Partial<Record<TicketField, string | readonly string[] | null>>;

/** Where one field is read from. */
export interface MappedColumn {
  /** The header as written in the file (the first, for a repeated column). */
  column: string;
  /** Zero-based positions: several for a repeated column (Jira's `Labels, Labels`), read for `tags` only. */
  indexes: number[];
}

/** The header resolved against the mapping, before any row is read. */
export interface ResolvedMapping {
  /** The file's header row, as written. */
  columns: string[];
  /** Each mapped field and its column. */
  fields: Partial<Record<TicketField, MappedColumn>>;
  /** Columns no field reads: they go to `customFields` under their header. Repeated headers appear once. */
  unmapped: string[];
}

/** Header text → comparable key: case, surrounding and repeated spaces, and a stray BOM do not matter. */
export function headerKey(header: string): string {
  return header.replace(/^\uFEFF/, '').trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * Resolves the header against a custom mapping, a preset and the generic aliases, in that order, and checks the
 * fields an import cannot do without: `id`, and `createdAt` or `updatedAt`.
 *
 * @throws {CsvImportError} `header` naming what is missing, or a custom mapping's header that is not in the file.
 */
export function resolveMapping(columns: readonly string[], preset?: PresetName, custom?: CustomMapping): ResolvedMapping {
  const positions = new Map<string, number[]>();
  columns.forEach((header, index) => {
    const key = headerKey(header);
    if (!key) return;
    const list = positions.get(key);
    if (list) list.push(index);
    else positions.set(key, [index]);
  });
  const presetAliases = preset ? PRESETS[preset].aliases : {};
  const fields: Partial<Record<TicketField, MappedColumn>> = {};
  const used = new Set<number>();
  for (const field of TICKET_FIELDS) {
    const own = custom?.[field];
    if (own === null) continue;
    let candidates: readonly string[];
    if (own !== undefined) {
      candidates = typeof own === 'string' ? [own] : own;
      if (!candidates.some((c) => positions.has(headerKey(c)))) {
        throw new CsvImportError('header', `the mapping reads ${field} from ${candidates.map((c) => `"${c}"`).join(' or ')}, which the header does not have (it has: ${columns.slice(0, 30).map((c) => `"${c}"`).join(', ')}${columns.length > 30 ? ', ...' : ''})`, { column: candidates[0]! });
      }
    } else {
      candidates = [...(presetAliases[field] ?? []), ...(GENERIC_ALIASES[field] ?? [])];
    }
    for (const candidate of candidates) {
      const indexes = positions.get(headerKey(candidate))?.filter((i) => !used.has(i));
      if (!indexes?.length) continue;
      // Only tags read every repeat of a column; other fields read the first and leave the rest to customFields.
      const taken = field === 'tags' ? indexes : [indexes[0]!];
      for (const i of taken) used.add(i);
      fields[field] = { column: columns[taken[0]!]!, indexes: taken };
      break;
    }
  }
  const missing: string[] = [];
  if (!fields.id) missing.push(`the ticket id (${describe('id', preset)})`);
  if (!fields.createdAt && !fields.updatedAt) missing.push(`a created or updated date (${describe('updatedAt', preset)}, or ${describe('createdAt', preset)})`);
  if (missing.length) {
    throw new CsvImportError('header', `the header has no column for ${missing.join(' nor ')}; map one with the "mapping" option${preset ? '' : ' or pick a preset'} (the header has: ${columns.slice(0, 30).map((c) => `"${c}"`).join(', ')}${columns.length > 30 ? ', ...' : ''})`, { column: !fields.id ? 'id' : 'updatedAt' });
  }
  const unmapped: string[] = [];
  const seen = new Set<string>();
  columns.forEach((header, index) => {
    const key = headerKey(header);
    if (used.has(index) || !key || seen.has(key)) return;
    seen.add(key);
    unmapped.push(header.replace(/^\uFEFF/, '').trim());
  });
  return { columns: [...columns], fields, unmapped };
}

function describe(field: TicketField, preset: PresetName | undefined): string {
  const names = [...(preset ? (PRESETS[preset].aliases[field] ?? []) : []), ...(GENERIC_ALIASES[field] ?? [])].slice(0, 4);
  return `looked for ${names.map((n) => `"${n}"`).join(', ')}`;
}
