import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TicketDraft } from '../src/index.js';
import { tombstone } from '../src/toolkit/tombstone.js';
import { diffVersions, judgeVersion, toDeliveredVersion, versionFingerprint } from '../src/sync/versioning.js';
import { canonicalInstant, instantOf } from '../src/toolkit/iso-instant.js';
import { createTestDraft } from '../src/testing.js';

const base: TicketDraft = createTestDraft({
  platform: 'acme',
  url: null,
  subject: 'Printer on fire',
  description: 'It is very colourful.',
  tags: ['a', 'b'],
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:01Z',
  raw: {},
});

describe('version judgement', () => {
  it('treats the same timestamp and content as a duplicate, even written differently', () => {
    const fp = versionFingerprint(base);
    const prev = toDeliveredVersion(base, fp, new Date().toISOString());
    const again = { ...base, updatedAt: '2026-01-01T00:00:01.000Z', raw: { other: true }, requester: { ...base.requester!, name: 'Ana B.' } };
    expect(judgeVersion(again, versionFingerprint(again), prev)).toBe('duplicate');
  });

  it('keeps a same-second edit (second-granular platforms) as a new version', () => {
    const prev = toDeliveredVersion(base, versionFingerprint(base), new Date().toISOString());
    const edited = { ...base, status: 'pending' as const };
    expect(judgeVersion(edited, versionFingerprint(edited), prev)).toBe('new');
  });

  it('drops versions older than the one delivered', () => {
    const prev = toDeliveredVersion(base, versionFingerprint(base), new Date().toISOString());
    const older = { ...base, updatedAt: '2026-01-01T00:00:00Z', status: 'new' as const };
    expect(judgeVersion(older, versionFingerprint(older), prev)).toBe('stale');
  });

  it('delivers a deletion once whether the webhook tombstone or the poll reported it first', () => {
    const polled = { ...base, deleted: true, status: 'closed' as const, updatedAt: '2026-01-01T00:00:05Z' };
    const hooked = tombstone('acme', '1', '2026-01-01T00:00:04Z');
    expect(versionFingerprint(polled)).toBe(versionFingerprint(hooked));
    const afterHook = toDeliveredVersion(hooked, versionFingerprint(hooked), new Date().toISOString());
    expect(judgeVersion(polled, versionFingerprint(polled), afterHook)).toBe('duplicate');
    const afterPoll = toDeliveredVersion(polled, versionFingerprint(polled), new Date().toISOString());
    expect(judgeVersion(hooked, versionFingerprint(hooked), afterPoll)).toBe('duplicate');
    const restored = { ...base, updatedAt: '2026-01-01T00:00:09Z' };
    expect(judgeVersion(restored, versionFingerprint(restored), afterPoll)).toBe('new');
  });

  it('fingerprints a tag list in any order as its sorted copy: repeats, empty tags, case, non-ASCII, short and long lists', () => {
    const fp = (tags: string[]) => versionFingerprint({ ...base, tags });
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const pool = ['vip', 'VIP', 'billing', '', 'ünï', 'a', 'ab', 'b', 'z', '\u00e9', 'e\u0301', '😀'];
    for (let round = 0; round < 300; round++) {
      const tags = Array.from({ length: Math.floor(random() * 24) }, () => pool[Math.floor(random() * pool.length)]!);
      const shuffled = [...tags].sort(() => random() - 0.5);
      expect([shuffled, fp(shuffled)]).toEqual([shuffled, fp([...tags].sort())]);
    }
    // Repeats count: a tag twice is not the tag once.
    expect(fp(['b', 'a', 'b'])).not.toBe(fp(['b', 'a']));
    // The list handed in is left as it came.
    const mine = ['b', 'a', 'c'];
    fp(mine);
    expect(mine).toEqual(['b', 'a', 'c']);
  });

  it('fingerprints tell field boundaries, null from empty, and ignore tag order', () => {
    const fp = (t: Partial<TicketDraft>) => versionFingerprint({ ...base, ...t });
    expect(fp({ subject: 'ab', description: 'c' })).not.toBe(fp({ subject: 'a', description: 'bc' }));
    expect(fp({ priority: null })).not.toBe(fp({ priority: 'normal' }));
    expect(fp({ assignee: null })).not.toBe(fp({ assignee: { externalId: '', name: null, email: null } }));
    expect(fp({ tags: ['a', 'b'] })).not.toBe(fp({ tags: ['ab'] }));
    expect(fp({ tags: [] })).not.toBe(fp({ tags: [''] }));
    expect(fp({ tags: ['b', 'a'] })).toBe(fp({ tags: ['a', 'b'] }));
    expect(fp({ description: 'x'.repeat(70_000) })).not.toBe(fp({ description: 'x'.repeat(70_000 + 65_536) }));
    // The hash must not keep state from one ticket to the next.
    expect(fp({ subject: 'same' })).toBe(fp({ subject: 'same' }));
    expect(fp({})).toMatch(/^v[0-9a-f]{16}$/);
  });

  it('recognizes a repeat of a version an older release stored with its SHA-256 fingerprint', () => {
    const legacy = createHash('sha256')
      .update(JSON.stringify([base.subject, base.description, base.status, base.priority, base.assignee?.externalId ?? null, base.requester?.externalId ?? null, [...base.tags].sort(), false]))
      .digest('base64url')
      .slice(0, 22);
    const prev = toDeliveredVersion(base, legacy, new Date().toISOString());
    expect(judgeVersion(base, versionFingerprint(base), prev)).toBe('duplicate');
    const edited = { ...base, subject: 'Printer fixed' };
    expect(judgeVersion(edited, versionFingerprint(edited), prev)).toBe('new');
  });

  it('reports status, priority, assignee and tag changes', () => {
    const prev = toDeliveredVersion(base, versionFingerprint(base), new Date().toISOString());
    const next = { ...base, status: 'solved' as const, priority: 'urgent' as const, assignee: { externalId: 'a9', name: null, email: null }, tags: ['b', 'c'] };
    expect(diffVersions(prev, next)).toEqual({
      status: { from: 'open', to: 'solved' },
      priority: { from: 'normal', to: 'urgent' },
      assignee: { from: null, to: 'a9' },
      tags: { added: ['c'], removed: ['a'] },
    });
    expect(diffVersions(prev, { ...base, subject: 'x' })).toBeUndefined();
  });
});

describe('instants of timestamps', () => {
  it('reads every timestamp exactly as Date.parse does, canonical or not', () => {
    const texts = [
      '2024-03-12T09:41:00.123Z', '2024-02-29T00:00:00.000Z', '2023-02-29T00:00:00.000Z', '2024-02-28T23:59:59.999Z', '2024-12-31T23:59:59.999Z',
      '2024-01-01T24:00:00.000Z', '2024-13-01T00:00:00.000Z', '2024-00-10T00:00:00.000Z', '2024-01-00T00:00:00.000Z', '0050-06-01T00:00:00.000Z',
      '0000-03-01T00:00:00.000Z', '1600-02-28T00:00:00.000Z', '1969-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z', '2:24-01-01T00:00:00.000Z',
      '2024-01-0aT00:00:00.000Z', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00.000+01:00', '2024-01-01 00:00:00.000Z', '', 'not a date',
    ];
    for (const text of texts) expect([text, instantOf(text)]).toEqual([text, Date.parse(text)]);
    for (let t = Date.UTC(1899, 0, 1); t < Date.UTC(2101, 0, 1); t += 86_400_000 * 13 + 3_723_456) {
      const text = new Date(t).toISOString();
      expect([text, instantOf(text)]).toEqual([text, t]);
    }
  });

  it('gives the instant of a timestamp only when it is written exactly as toISOString writes it', () => {
    // Each of these is what toISOString writes for the number it names: the number comes back, and writes it again.
    const canonical = ['2024-02-29T00:00:00.000Z', '2000-02-29T12:00:00.000Z', '2024-04-30T23:59:59.999Z', '2024-12-31T00:00:00.000Z', '0000-03-01T00:00:00.000Z', '1969-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'];
    for (const text of canonical) {
      const ms = canonicalInstant(text);
      expect([text, ms]).toEqual([text, Date.parse(text)]);
      expect(new Date(ms!).toISOString()).toBe(text);
    }
    // Date.parse reads each of these as some instant, but toISOString would not write them back as they are.
    const other = ['2023-02-29T00:00:00.000Z', '1900-02-29T00:00:00.000Z', '2024-04-31T00:00:00.000Z', '2024-01-01T24:00:00.000Z', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00.000+00:00', '2024-01-01T00:00:60.000Z', ' 2024-01-01T00:00:00.000Z', ''];
    for (const text of other) expect([text, canonicalInstant(text)]).toEqual([text, undefined]);
  });
});
