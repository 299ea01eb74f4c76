import { describe, expect, it } from 'vitest';
import { isoInstant } from '../../src/toolkit.js';

const slow = (value: string) => {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
};

describe('isoInstant', () => {
  it('agrees with new Date(Date.parse(value)).toISOString() on edge dates and forms', () => {
    const edges = [
      '2024-03-12T09:41:00Z',
      '2024-03-12T09:41:00.123Z',
      '2024-02-29T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '2024-02-30T12:00:00Z',
      '2024-04-31T00:00:00.000Z',
      '2024-01-31T23:59:59Z',
      '2024-01-28T23:59:59Z',
      '2024-01-00T00:00:00Z',
      '2024-00-10T00:00:00Z',
      '2024-13-10T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T24:00:00.000Z',
      '2024-01-01T23:60:00Z',
      '2024-01-01T23:59:60Z',
      '2024-01-01T23:59:60.000Z',
      '9999-12-28T23:59:59.999Z',
      '2024-01-01T10:00:00+02:00',
      '2024-01-01T10:00:00.5Z',
      '2024-01-01 10:00:00Z',
      '2024-01-01',
      '0000-01-01T00:00:00Z',
      'not a date',
      '',
      'Tue, 12 Mar 2024 09:41:00 GMT',
      // Near misses of the two UTC forms, each character the fast path checks.
      '2024-01-01T10:00:00.12Z',
      '2024-01-01T10:00:00.1234Z',
      '2024-01-01T10:00:0aZ',
      '2024-01-01T10:00:00.12aZ',
      '2024-01-01T10:00:00,000Z',
      '2024-01-01t10:00:00Z',
      '2024-01-01T10:00:00z',
      '2024/01/01T10:00:00Z',
      '2024-01-01T10-00:00Z',
      '2024-01-01T10:00-00Z',
      '+02024-01-01T00:00:00Z',
      '２０２４-01-01T10:00:00Z',
    ];
    for (const value of edges) expect({ value, got: isoInstant(value) }).toEqual({ value, got: slow(value) });
  });

  it('agrees on random timestamps in both UTC forms', () => {
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    for (let i = 0; i < 5000; i++) {
      const value = `${1970 + (next() % 100)}-${pad(next() % 14)}-${pad(next() % 33)}T${pad(next() % 26)}:${pad(next() % 61)}:${pad(next() % 61)}${next() % 2 ? `.${pad(next() % 1000, 3)}` : ''}Z`;
      expect({ value, got: isoInstant(value) }).toEqual({ value, got: slow(value) });
    }
  });
});
