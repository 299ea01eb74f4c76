import { describe, expect, it } from 'vitest';
import { adfToText, jiraTime, mapJiraPriority, mapJiraStatusCategory, normalizeJira, packIds, unpackIds } from '../src/index.js';

const issue = (fields: Record<string, unknown>) => ({
  id: '10042',
  key: 'SUP-42',
  fields: { summary: 'Printer', created: '2024-01-05T08:00:00.000+0100', updated: '2024-01-05T09:30:15.123-0800', ...fields },
});

describe('status and priority', () => {
  it('reads every status category, keeps the name, and lets a status map override by name', () => {
    expect(mapJiraStatusCategory('new')).toBe('new');
    expect(mapJiraStatusCategory('indeterminate')).toBe('open');
    expect(mapJiraStatusCategory('done')).toBe('solved');
    // "No Category" (key undefined) and an absent category are open work, not closed.
    expect(mapJiraStatusCategory('undefined')).toBe('open');
    expect(mapJiraStatusCategory(null)).toBe('open');
    const t = normalizeJira(issue({ status: { name: 'Waiting for customer', statusCategory: { key: 'indeterminate' } } }), { subdomain: 'acme', statusMap: { 'waiting FOR customer': 'pending' } });
    expect([t.status, t.rawStatus]).toEqual(['pending', 'Waiting for customer']);
  });

  it('maps the default and the Server-era priority names to the four levels; others are unknown', () => {
    const table: Array<[string | null, string | null]> = [
      ['Highest', 'urgent'], ['Blocker', 'urgent'], ['Critical', 'urgent'], ['High', 'high'], ['Major', 'high'], ['Medium', 'normal'],
      ['Low', 'low'], ['Lowest', 'low'], ['Minor', 'low'], ['Trivial', 'low'], ['P1 - Sev A', null], [null, null],
    ];
    for (const [name, level] of table) expect(mapJiraPriority(name), String(name)).toBe(level);
  });
});

describe('timestamps', () => {
  it('reads Jira\'s +hhmm offsets (no colon) to UTC, keeping milliseconds', () => {
    expect(jiraTime('2024-01-05T08:00:00.000+0100')).toBe('2024-01-05T07:00:00.000Z');
    expect(jiraTime('2024-11-29T10:44:51.887-0800')).toBe('2024-11-29T18:44:51.887Z');
    expect(jiraTime('2024-01-05T08:00:00.000+05:30')).toBe('2024-01-05T02:30:00.000Z');
    expect(() => jiraTime('yesterday')).toThrow(/not a date/);
  });
});

describe('ADF', () => {
  it('prints paragraphs, breaks, lists, mentions, emoji, cards, code, quotes and tables as a reader sees them', () => {
    const doc = {
      type: 'doc',
      version: 1,
      content: [
        { type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Outage' }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'Hi ' }, { type: 'mention', attrs: { id: 'x', text: '@Ada' } }, { type: 'text', text: ' ' }, { type: 'emoji', attrs: { shortName: ':fire:', text: '🔥' } }, { type: 'hardBreak' }, { type: 'text', text: 'see ', marks: [{ type: 'strong' }] }, { type: 'inlineCard', attrs: { url: 'https://status.example.com' } }] },
        { type: 'bulletList', content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'one' }] }] }, { type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'two' }] }] }] },
        { type: 'orderedList', attrs: { order: 3 }, content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'three' }] }] }] },
        { type: 'codeBlock', attrs: { language: 'sh' }, content: [{ type: 'text', text: 'curl -v\nexit 1' }] },
        { type: 'blockquote', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'quoted' }] }] },
        { type: 'panel', attrs: { panelType: 'info' }, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'in a panel' }] }] },
        { type: 'table', content: [{ type: 'tableRow', content: [{ type: 'tableHeader', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'a' }] }] }, { type: 'tableCell', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'b' }] }] }] }] },
        { type: 'mediaSingle', content: [{ type: 'media', attrs: { id: 'm', type: 'file' } }] },
        { type: 'futureBlock', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'kept' }] }] },
      ],
    };
    expect(adfToText(doc)).toBe(['Outage', 'Hi @Ada 🔥', 'see https://status.example.com', '- one', '- two', '3. three', 'curl -v', 'exit 1', '> quoted', 'in a panel', 'a | b', 'kept'].join('\n'));
  });

  it('keeps a plain string (v2 or webhook bodies), reads null and junk as empty, and does not recurse without bound', () => {
    expect(adfToText('plain *wiki*')).toBe('plain *wiki*');
    expect(adfToText(null)).toBe('');
    expect(adfToText({ type: 'doc', content: 'nope' })).toBe('');
    let deep: Record<string, unknown> = { type: 'text', text: 'bottom' };
    for (let i = 0; i < 500; i++) deep = { type: 'blockquote', content: [deep] };
    expect(() => adfToText({ type: 'doc', content: [deep] })).not.toThrow();
  });

  it('normalizes a description and comments to text, keeping the ADF in raw, internal notes as not public', () => {
    const description = { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Line one' }] }, { type: 'paragraph', content: [{ type: 'text', text: 'Line two' }] }] };
    const t = normalizeJira(
      issue({
        description,
        comment: {
          total: 2,
          comments: [
            { id: '1', author: { accountId: 'qm:1', displayName: 'Carla' }, body: { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'thanks' }] }] }, created: '2024-01-05T08:00:00.000+0000', jsdPublic: true },
            { id: '2', author: null, body: { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'internal' }] }] }, created: '2024-01-05T08:01:00.000+0000', jsdPublic: false },
          ],
        },
      }),
      { subdomain: 'acme', includeComments: true },
    );
    expect(t.description).toBe('Line one\nLine two');
    expect((t.raw as { fields: { description: unknown } }).fields.description).toEqual(description);
    expect(t.comments?.map((c) => [c.body, c.public, c.author?.name ?? null])).toEqual([['thanks', true, 'Carla'], ['internal', false, null]]);
    expect(t.url).toBe('https://acme.atlassian.net/browse/SUP-42');
    expect(t.updatedAt).toBe('2024-01-05T17:30:15.123Z');
  });

  it('reads nulls and absent properties as empty, never as invented values', () => {
    const t = normalizeJira(issue({ summary: null, description: null, status: null, priority: null, labels: null, reporter: null, assignee: undefined }), { subdomain: 'acme' });
    expect([t.subject, t.description, t.status, t.rawStatus, t.priority, t.tags, t.requester, t.assignee, t.organization]).toEqual(['', '', 'open', null, null, [], null, null, null]);
    // A reporter whose profile hides the e-mail has no emailAddress at all.
    const hidden = normalizeJira(issue({ reporter: { accountId: 'abc', displayName: '陈伟' } }), { subdomain: 'acme' });
    expect(hidden.requester).toEqual({ externalId: 'abc', name: '陈伟', email: null });
    expect(() => normalizeJira({ id: 1 }, { subdomain: 'acme' })).toThrow(/not a Jira issue/);
  });
});

describe('packed id sets', () => {
  it('round-trips sorted unique ids, large ones included, in a few bytes per id', () => {
    const ids = ['10003', '10001', '10002', '10001', '99999999999', 'SUP-1'];
    expect(unpackIds(packIds(ids))).toEqual(['10001', '10002', '10003', '99999999999']);
    const many = Array.from({ length: 10_000 }, (_, i) => String(10_000 + i * 3));
    const packed = packIds(many);
    expect(unpackIds(packed)).toEqual(many);
    expect(packed.length).toBeLessThan(many.length * 2);
    expect(unpackIds('')).toEqual([]);
    expect(() => unpackIds(Buffer.from([0x81]).toString('base64url'))).toThrow(/truncated/);
  });
});
