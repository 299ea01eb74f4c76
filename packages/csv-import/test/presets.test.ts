import { describe, expect, it } from 'vitest';
import { importCsv, previewCsv } from '../src/index.js';
import { csvHub, fixture } from './helpers.js';

describe('presets read the platforms\' real export headers', () => {
  it('zendesk: Id, names and emails of people, space-separated tags, offsets in dates, [list] custom fields kept', async () => {
    const preview = await previewCsv(fixture('zendesk.csv'), { preset: 'zendesk' });
    expect(preview.errors).toEqual([]);
    expect(preview.mapping.fields.id?.column).toBe('Id');
    expect(preview.mapping.fields.channel?.column).toBe('Via');
    const [first, second, third] = preview.tickets;
    expect(first).toMatchObject({
      externalId: '101',
      platform: 'zendesk',
      subject: 'Cannot log in, again',
      status: 'open',
      rawStatus: 'Open',
      priority: 'high',
      channel: 'Mail',
      tags: ['login', 'vip'],
      requester: { externalId: '9001', name: 'Jane Roe', email: 'jane@example.com' },
      assignee: { externalId: 'Sam Agent', name: 'Sam Agent', email: null },
      organization: { externalId: 'Acme Inc', name: 'Acme Inc' },
      createdAt: '2024-03-12T09:41:00.000Z',
      updatedAt: '2024-03-13T10:00:00.000Z',
      deleted: false,
    });
    expect(first!.customFields).toMatchObject({ Group: 'Support', 'Ticket type': 'Incident', 'Product [list]': 'Web app' });
    expect(second).toMatchObject({ subject: 'Invoice "March" is wrong', status: 'on_hold', priority: 'normal', assignee: null });
    expect(third).toMatchObject({ subject: 'Export fails\nwith a timeout', status: 'solved', priority: 'urgent', tags: [] });
  });

  it('freshdesk: Ticket ID, Created time / Last updated time, Agent, comma-separated tags, Waiting on Customer', async () => {
    const preview = await previewCsv(fixture('freshdesk.csv'), { preset: 'freshdesk', timeZone: 'Asia/Kolkata' });
    expect(preview.errors).toEqual([]);
    expect(preview.tickets.map((t) => [t.externalId, t.status, t.priority, t.tags])).toEqual([
      ['2001', 'open', 'normal', ['login', 'reset']],
      ['2002', 'pending', 'urgent', []],
      ['2003', 'solved', 'low', ['widget']],
    ]);
    // Freshdesk writes local times without an offset: the account's zone (UTC+5:30 here) is the import's option.
    expect(preview.tickets[0]).toMatchObject({
      platform: 'freshdesk',
      createdAt: '2024-03-12T04:11:00.000Z',
      updatedAt: '2024-03-12T05:30:00.000Z',
      requester: { externalId: 'kim@example.com', name: 'Kim Park', email: 'kim@example.com' },
      assignee: { name: 'Priya Agent' },
      organization: { name: 'Globex' },
      channel: 'Email',
      description: 'User cannot reset password',
    });
  });

  it('jira: BOM + CRLF, Issue id as the id (the key kept), repeated Labels columns as tags, 12/Mar/24 9:41 AM dates, multi-line Description', async () => {
    const preview = await previewCsv(fixture('jira.csv'), { preset: 'jira', timeZone: 'Europe/Paris' });
    expect(preview.errors).toEqual([]);
    expect(preview.columns[0]).toBe('Summary');
    expect(preview.mapping.fields.tags).toEqual({ column: 'Labels', indexes: [19, 20, 21] });
    const [sup1, sup2, sup3] = preview.tickets;
    expect(sup1).toMatchObject({
      externalId: '10001',
      platform: 'jira',
      subject: 'Checkout fails on Safari',
      status: 'open',
      priority: 'urgent',
      rawPriority: 'Highest',
      tags: ['checkout', 'safari'],
      requester: { name: 'Pat Customer' },
      assignee: { name: 'Dana Dev' },
      // 9:41 AM in Paris in March (UTC+1) and 2:05 PM.
      createdAt: '2024-03-12T08:41:00.000Z',
      updatedAt: '2024-03-13T13:05:00.000Z',
      // Line breaks inside the quoted cell were CRLF like the rest of the file.
      description: 'Steps:\n1. open checkout\n2. pay',
    });
    // Repeated columns that no field reads stay together as a list.
    expect(sup1!.customFields).toMatchObject({ 'Issue key': 'SUP-1', Watchers: ['dana', 'pat'] });
    expect(sup2).toMatchObject({ externalId: '10002', status: 'new', priority: 'normal', tags: ['ui'], assignee: null });
    expect(sup3).toMatchObject({ externalId: '10003', status: 'solved', priority: 'low', tags: [] });
  });

  it('hubspot: Ticket ID, Ticket name, Ticket status, Create date, Last modified date over Last activity date', async () => {
    const preview = await previewCsv(fixture('hubspot.csv'), { preset: 'hubspot' });
    expect(preview.errors).toEqual([]);
    expect(preview.mapping.fields.updatedAt?.column).toBe('Last modified date');
    expect(preview.tickets.map((t) => [t.externalId, t.subject, t.status, t.priority])).toEqual([
      ['5001', 'Cannot export report', 'new', 'high'],
      ['5002', 'Billing question', 'pending', 'low'],
      ['5003', 'Feature idea', 'closed', 'normal'],
    ]);
    expect(preview.tickets[0]).toMatchObject({ platform: 'hubspot', createdAt: '2024-03-12T09:41:00.000Z', updatedAt: '2024-03-12T11:05:00.000Z', assignee: { name: 'Olga Owner' }, organization: { name: 'Initech' }, description: 'Export button greyed out' });
  });

  it('intercom: Conversation ID, started / last updated at, state (snoozed is pending), comma-separated tags', async () => {
    const preview = await previewCsv(fixture('intercom.csv'), { preset: 'intercom' });
    expect(preview.errors).toEqual([]);
    expect(preview.tickets.map((t) => [t.externalId, t.status, t.tags, t.subject])).toEqual([
      ['215463', 'open', ['bug', 'priority'], 'App crashes on start'],
      ['215464', 'closed', [], 'Invoice copy'],
      ['215465', 'pending', [], 'Question about plans'],
    ]);
    expect(preview.tickets[0]).toMatchObject({ platform: 'intercom', createdAt: '2024-03-12T09:41:08.000Z', updatedAt: '2024-03-12T12:00:00.000Z', requester: { email: 'max@example.com' }, assignee: { name: 'Rita Teammate' }, channel: 'Messenger' });
  });

  it('every fixture imports through a real hub as csv events, whatever the column order', async () => {
    for (const preset of ['zendesk', 'freshdesk', 'jira', 'hubspot', 'intercom'] as const) {
      const { hub, conn, events } = await csvHub({ preset });
      const report = await importCsv(hub, conn.id, fixture(`${preset}.csv`));
      expect(report.run).toMatchObject({ trigger: 'csv', status: 'succeeded', ticketsSynced: 3 });
      expect(events.map((e) => [e.source, e.ticket.platform, e.connectionId])).toEqual(Array(3).fill(['csv', preset, conn.id]));
    }
  });
});
