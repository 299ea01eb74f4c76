import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { surelyConforms } from '../../src/http/conforms.js';

// The fast check may only say "passes" where zod says so too; every schema and value below is also run through zod.
const schemas: Record<string, z.ZodType> = {
  ticket: z.object({
    id: z.number(),
    subject: z.string().nullable().optional(),
    status: z.string(),
    tags: z.array(z.string()).nullable().optional(),
    via: z.looseObject({ channel: z.union([z.string(), z.number()]).nullable().optional() }).nullable().optional(),
    kind: z.literal('ticket').optional(),
    raw: z.unknown(),
  }),
  minString: z.object({ id: z.string().min(1) }),
  email: z.object({ e: z.email() }),
  int: z.object({ n: z.int() }),
  strict: z.strictObject({ a: z.string() }),
  catchallNumber: z.object({ a: z.string() }).catchall(z.number()),
  refined: z.object({ a: z.string() }).refine((v) => v.a !== 'no'),
  transformed: z.object({ a: z.string().transform((s) => s.length) }),
  defaulted: z.object({ a: z.string().default('x') }),
  enumerated: z.object({ e: z.enum(['a', 'b']) }),
  nonEmptyArray: z.object({ xs: z.array(z.number()).min(1) }),
  coerced: z.object({ n: z.coerce.number() }),
  record: z.object({ r: z.record(z.string(), z.unknown()) }),
  recordOfNumbers: z.object({ r: z.record(z.string(), z.number()) }),
  recordMinKeys: z.object({ r: z.record(z.string().min(2), z.unknown()) }),
};

const values: unknown[] = [
  { id: 1, status: 'open', raw: {} },
  { id: 1, status: 'open', raw: null, subject: null, tags: ['a'], via: { channel: 3, extra: true }, kind: 'ticket', more: 1 },
  { id: 1, status: 'open' },
  { id: '1', status: 'open', raw: 1 },
  { id: 1, status: 'open', raw: 1, tags: [1] },
  { id: 1, status: 'open', raw: 1, via: { channel: true } },
  { id: 1, status: 'open', raw: 1, kind: 'other' },
  [],
  null,
  'text',
  { id: '' },
  { id: 'x' },
  { e: 'not-an-email' },
  { e: 'a@b.example' },
  { e: 'a' },
  { n: 1.5 },
  { n: 2 },
  { n: '2' },
  { a: 'x' },
  { a: 'x', b: 1 },
  { a: 'x', b: 'y' },
  { a: 'no' },
  {},
  { xs: [] },
  { xs: [1] },
  { r: {} },
  { r: { a: 1, bb: 2 } },
  { r: { a: 'x' } },
  { r: [] },
  { r: null },
];

describe('surelyConforms', () => {
  it('never says a value passes that zod refuses', () => {
    let sure = 0;
    for (const [name, schema] of Object.entries(schemas)) {
      for (const value of values) {
        if (!surelyConforms(schema, value)) continue;
        sure++;
        expect({ name, value, zod: schema.safeParse(value).success }).toEqual({ name, value, zod: true });
      }
    }
    // Not vacuous: the plain ticket schema is decided without zod for the values that fit it.
    expect(sure).toBeGreaterThanOrEqual(2);
  });

  it('decides plain object, array, union, optional and nullable schemas itself, and leaves every other kind to zod', () => {
    expect(surelyConforms(schemas.ticket!, values[1])).toBe(true);
    expect(surelyConforms(schemas.ticket!, values[3])).toBe(false);
    expect(surelyConforms(schemas.record!, { r: { a: 1, bb: 'x' } })).toBe(true);
    expect(surelyConforms(schemas.recordOfNumbers!, { r: { a: 1, bb: 2 } })).toBe(true);
    expect(surelyConforms(schemas.recordOfNumbers!, { r: { a: 'x' } })).toBe(false);
    for (const name of ['recordMinKeys', 'minString', 'email', 'int', 'strict', 'catchallNumber', 'refined', 'transformed', 'defaulted', 'enumerated', 'nonEmptyArray', 'coerced']) {
      for (const value of values) expect({ name, sure: surelyConforms(schemas[name]!, value) }).toEqual({ name, sure: false });
    }
  });

  it('decides a recursive schema (a getter in the shape) without compiling it forever', () => {
    const Node = z.object({
      name: z.string(),
      get children() {
        return z.array(Node).optional();
      },
    });
    const tree = { name: 'a', children: [{ name: 'b' }, { name: 'c', children: [{ name: 'd' }] }] };
    expect(surelyConforms(Node, tree)).toBe(true);
    expect(Node.safeParse(tree).success).toBe(true);
    const bad = { name: 'a', children: [{ name: 'b', children: [{ name: 7 }] }] };
    expect(surelyConforms(Node, bad)).toBe(false);
    // The same schema object answers alike when asked again (its compiled check is kept).
    expect([surelyConforms(Node, tree), surelyConforms(Node, bad)]).toEqual([true, false]);
  });
});
