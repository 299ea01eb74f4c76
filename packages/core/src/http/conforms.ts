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
 *
 * The schema is compiled once into a tree of closures (kept per schema object): a page of a thousand records runs the
 * same checks a thousand times, and walking zod's definitions for each record (reading `_zod.def`, switching on its
 * type) cost as much as the checks themselves.
 */
export function surelyConforms(schema: z.ZodType, value: unknown): boolean {
  return checkerOf(schema)(value);
}

/** A compiled check: true only when the value certainly passes the schema it was compiled from. */
type Check = (value: unknown) => boolean;

const compiled = new WeakMap<z.ZodType, Check>();
const unsure: Check = () => false;
const isString: Check = (value) => typeof value === 'string';
// JSON has no NaN or Infinity, which zod refuses; a number read from JSON is finite.
const isNumber: Check = (value) => typeof value === 'number' && Number.isFinite(value);
const isBoolean: Check = (value) => typeof value === 'boolean';
const isNull: Check = (value) => value === null;
// A missing required key is zod's call.
const isPresent: Check = (value) => value !== undefined;
const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function checkerOf(schema: z.ZodType): Check {
  const known = compiled.get(schema);
  if (known) return known;
  // Registered before compiling: a recursive schema (a getter in an object's shape) meets itself through this
  // forwarder instead of compiling forever.
  let check: Check = unsure;
  compiled.set(schema, (value) => check(value));
  check = compile(defOf(schema));
  compiled.set(schema, check);
  return check;
}

function compile(def: Def): Check {
  if ((def.checks !== undefined && def.checks.length > 0) || def.format !== undefined || def.coerce) return unsure;
  switch (def.type) {
    case 'string':
      return isString;
    case 'number':
      return isNumber;
    case 'boolean':
      return isBoolean;
    case 'null':
      return isNull;
    case 'unknown':
    case 'any':
      return isPresent;
    case 'literal': {
      const values = def.values;
      return values === undefined ? unsure : (value) => values.includes(value);
    }
    case 'optional': {
      if (def.innerType === undefined) return unsure;
      const inner = checkerOf(def.innerType);
      return (value) => value === undefined || inner(value);
    }
    case 'nullable': {
      if (def.innerType === undefined) return unsure;
      const inner = checkerOf(def.innerType);
      return (value) => value === null || inner(value);
    }
    case 'array': {
      if (def.element === undefined) return unsure;
      const element = checkerOf(def.element);
      return (value) => {
        if (!Array.isArray(value)) return false;
        for (let i = 0; i < value.length; i++) if (!element(value[i])) return false;
        return true;
      };
    }
    case 'union': {
      if (def.options === undefined) return unsure;
      const options = def.options.map(checkerOf);
      return (value) => {
        for (let i = 0; i < options.length; i++) if (options[i]!(value)) return true;
        return false;
      };
    }
    case 'record': {
      if (def.keyType === undefined || def.valueType === undefined) return unsure;
      // Only string keys without checks: every key of a JSON object passes those.
      const key = defOf(def.keyType);
      if (key.type !== 'string' || (key.checks !== undefined && key.checks.length > 0) || key.format !== undefined) return unsure;
      const item = checkerOf(def.valueType);
      return (value) => {
        if (!isPlainObject(value)) return false;
        for (const k of Object.keys(value)) if (!item(value[k])) return false;
        return true;
      };
    }
    case 'object': {
      if (def.shape === undefined) return unsure;
      // Strip (no catchall) and loose (catchall unknown) accept any other key; strict and typed catchalls are zod's.
      if (def.catchall !== undefined && defOf(def.catchall).type !== 'unknown') return unsure;
      const shape = def.shape;
      const keys = Object.keys(shape);
      const checks = keys.map((key) => checkerOf(shape[key]!));
      return (value) => {
        if (!isPlainObject(value)) return false;
        for (let i = 0; i < keys.length; i++) if (!checks[i]!(value[keys[i]!])) return false;
        return true;
      };
    }
    default:
      return unsure;
  }
}
