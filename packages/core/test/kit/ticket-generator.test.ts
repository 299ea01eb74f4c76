import { describe, expect, it } from 'vitest';
import { createTicketGenerator, createRandom, GENERATED_STATUSES, type GeneratedTicket } from '@ticketbridge/core/testing';

describe('createRandom', () => {
  it('repeats its stream for a seed and differs between seeds', () => {
    const a = createRandom(7);
    const b = createRandom(7);
    const c = createRandom(8);
    const sa = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 50 }, () => c.next())).not.toEqual(sa);
    expect(sa.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('int() stays within bounds and reaches both ends', () => {
    const r = createRandom(3);
    const seen = new Set(Array.from({ length: 2000 }, () => r.int(1, 6)));
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('createTicketGenerator', () => {
  it('produces identical tickets for the same seed and different ones for another seed', () => {
    const a = createTicketGenerator({ seed: 42 }).generate(300);
    const b = createTicketGenerator({ seed: 42 }).generate(300);
    const c = createTicketGenerator({ seed: 43 }).generate(300);
    expect(b).toEqual(a);
    expect(c.map((t) => t.subject)).not.toEqual(a.map((t) => t.subject));
  });

  it('continues one stream across calls: generate(10) twice equals generate(20)', () => {
    const split = createTicketGenerator({ seed: 5 });
    const parts = [...split.generate(10), ...split.generate(10)];
    expect(parts).toEqual(createTicketGenerator({ seed: 5 }).generate(20));
  });

  it('gives every ticket a complete, realistic shape', () => {
    const tickets = createTicketGenerator({ seed: 1, start: new Date('2026-03-01T00:00:00Z') }).generate(1000);
    expect(tickets.map((t) => t.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(tickets[0]!.createdAt).toBeGreaterThanOrEqual(Date.parse('2026-03-01T00:00:00Z'));
    for (const t of tickets) {
      expect(t.subject.length).toBeGreaterThan(3);
      expect(t.description.split(/[.!?]\s/).length, t.description).toBeGreaterThan(1);
      expect(t.requester.email).toMatch(/^[^@\s]+@[^@\s]+\.[^@\s]+$/);
      expect(t.requester.name.length).toBeGreaterThan(0);
      expect(GENERATED_STATUSES).toContain(t.status);
      expect(t.updatedAt).toBeGreaterThanOrEqual(t.createdAt);
      expect(new Set(t.tags).size).toBe(t.tags.length);
      expect(t.tags).toContain(t.topic);
      expect(t.version).toBe(1);
      if (t.status === 'new') expect(t.assignee).toBeNull();
    }
    // Variety a host must cope with.
    const all = tickets.map((t) => `${t.subject}\n${t.description}\n${t.requester.name}`).join('\n');
    expect(all).toMatch(/[\u00C0-\u017F]/); // accented Latin
    expect(all).toMatch(/[\u4e00-\u9fff\u3040-\u30ff\uac00-\ud7af]/); // CJK
    expect(all).toMatch(/\p{Extended_Pictographic}/u); // emoji
    expect(all).toMatch(/<script>/);
    expect(all).toMatch(/URGENT/);
    expect(new Set(tickets.map((t) => t.topic)).size).toBeGreaterThanOrEqual(8);
    expect(new Set(tickets.map((t) => t.status))).toEqual(new Set(GENERATED_STATUSES));
    expect(new Set(tickets.map((t) => t.priority))).toEqual(new Set(['low', 'normal', 'high', 'urgent', null]));
  });

  it('advances created times monotonically, with same-second ties', () => {
    const tickets = createTicketGenerator({ seed: 9 }).generate(2000);
    for (let i = 1; i < tickets.length; i++) expect(tickets[i]!.createdAt).toBeGreaterThanOrEqual(tickets[i - 1]!.createdAt);
    const seconds = tickets.map((t) => Math.floor(t.createdAt / 1000));
    expect(new Set(seconds).size).toBeLessThan(seconds.length);
  });

  it('iterates 100 000 tickets lazily, deterministically', () => {
    const it1 = createTicketGenerator({ seed: 11 }).iterate(100_000);
    let count = 0;
    let last: GeneratedTicket | undefined;
    for (const t of it1) {
      count += 1;
      last = t;
    }
    expect(count).toBe(100_000);
    expect(last!.seq).toBe(100_000);
    const again = [...createTicketGenerator({ seed: 11 }).iterate(100_000)].at(-1);
    expect(again).toEqual(last);
  });

  it('mutate() makes one realistic change at least a second later, without touching the input', () => {
    const gen = createTicketGenerator({ seed: 21 });
    const tickets = gen.generate(50);
    const kinds = new Set<string>();
    for (const t of tickets) {
      const before = structuredClone(t);
      const m = gen.mutate(t);
      expect(t).toEqual(before);
      expect(m.seq).toBe(t.seq);
      expect(m.version).toBe(t.version + 1);
      expect(m.updatedAt - t.updatedAt).toBeGreaterThanOrEqual(1000);
      expect(m.updatedAt).toBe(gen.now());
      const change = m.lastChange!;
      kinds.add(change.kind);
      if (change.kind === 'status') expect([change.from, m.status]).toEqual([t.status, change.to]);
      if (change.kind === 'priority') expect(m.priority).toBe(change.to);
      if (change.kind === 'tag') expect(m.tags).toEqual([...t.tags, change.added]);
      if (change.kind === 'assignee') expect(m.assignee?.id).toBe(change.to);
      expect(change.kind === 'status' ? m.status !== t.status : true).toBe(true);
    }
    expect(kinds).toEqual(new Set(['status', 'priority', 'tag', 'assignee']));
  });

  it('mutations are deterministic for a seed', () => {
    const run = () => {
      const gen = createTicketGenerator({ seed: 3 });
      const tickets = gen.generate(20);
      return tickets.map((t) => gen.mutate(gen.mutate(t)));
    };
    expect(run()).toEqual(run());
  });
});
