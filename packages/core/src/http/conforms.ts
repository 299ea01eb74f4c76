import type { z } from 'zod';

/** The parts of a zod 4 schema definition this check reads. */
interface Def {
  type: string;
  checks?: unknown[];
  format?: unknown;
  coerce?: unknown;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: readonly z.ZodType[];
  values?: readonly unknown[];
  keyType?: z.ZodType;
  valueType?: z.ZodType;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/**
 * True only when `value` certainly passes `schema`, found without zod building an output: for `keepBody` reads,
 * where the output would be thrown away and building it (a payload object and an issue array per field of every
 * record) was most of the check's cost and garbage. Knows plain objects (strip or loose), records with string keys,
 * arrays, unions, optional, nullable, string, number, boolean, null, literal, unknown and any, all without checks, formats or coercion. Any
 * other schema (refinements, transforms, defaults, formats, length checks...) and any doubt answer false, and the
 * caller then asks zod, which decides and words the error: this check can only skip zod's work, never overrule it.
 */
export function surelyConforms(schema: z.ZodType, value: unknown): boolean {
  const def = defOf(schema);
  if ((def.checks !== undefined && def.checks.length > 0) || def.format !== undefined || def.coerce) return false;
  switch (def.type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      // JSON has no NaN or Infinity, which zod refuses; a number read from JSON is finite.
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'unknown':
    case 'any':
      // A missing required key is zod's call.
      return value !== undefined;
    case 'literal':
      return def.values !== undefined && def.values.includes(value);
    case 'optional':
      return value === undefined || (def.innerType !== undefined && surelyConforms(def.innerType, value));
    case 'nullable':
      return value === null || (def.innerType !== undefined && surelyConforms(def.innerType, value));
    case 'array': {
      if (!Array.isArray(value) || def.element === undefined) return false;
      for (const item of value) if (!surelyConforms(def.element, item)) return false;
      return true;
    }
    case 'union': {
      if (def.options === undefined) return false;
      for (const option of def.options) if (surelyConforms(option, value)) return true;
      return false;
    }
    case 'record': {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || def.keyType === undefined || def.valueType === undefined) return false;
      // Only string keys without checks: every key of a JSON object passes those.
      const key = defOf(def.keyType);
      if (key.type !== 'string' || (key.checks !== undefined && key.checks.length > 0) || key.format !== undefined) return false;
      const record = value as Record<string, unknown>;
      for (const k of Object.keys(record)) if (!surelyConforms(def.valueType, record[k])) return false;
      return true;
    }
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || def.shape === undefined) return false;
      // Strip (no catchall) and loose (catchall unknown) accept any other key; strict and typed catchalls are zod's.
      if (def.catchall !== undefined && defOf(def.catchall).type !== 'unknown') return false;
      const record = value as Record<string, unknown>;
      for (const key in def.shape) if (!surelyConforms(def.shape[key]!, record[key])) return false;
      return true;
    }
    default:
      return false;
  }
}
