import { defineConnector, selectField, textField, type PullPage } from '@ticketbridge/core';
import { z } from 'zod';
import { PRESET_NAMES } from './presets.js';

/**
 * The credentials of a CSV connection: nothing secret, only what tells one import source from another.
 * `preset` is the export format `importCsv` uses when its own `preset` option is not given.
 */
export const csvCredentials = z.object({
  label: textField({
    label: 'Name',
    placeholder: 'Zendesk export',
    help: 'A name for this source of CSV files, shown in the connection list and the sync history.',
  }),
  preset: selectField({
    label: 'Export format',
    choices: ['none', ...PRESET_NAMES] as const,
    help: 'The platform whose ticket export you will import, so its columns are recognised. "none": a file of your own, mapped by column names.',
  }).default('none'),
});

/** Validated CSV connection credentials. */
export type CsvCredentials = z.infer<typeof csvCredentials>;

/**
 * The CSV source: a connection that receives tickets only through `importCsv`. It polls nothing
 * (`polls: false`: the hub schedules nothing for it), has no webhook, and Test & Connect only names it. Register it
 * like any connector so CSV tickets flow through the same hub, history and events as polled ones.
 *
 * @example
 * ```ts
 * const hub = createHub({ connectors: [zendesk(), csvSource()], store, publicUrl });
 * const conn = await hub.connect({ platform: 'csv', credentials: { label: 'Zendesk export', preset: 'zendesk' }, syncMode: 'poll' });
 * await importCsv(hub, conn.id, '/uploads/tickets.csv');
 * ```
 */
export function csvSource() {
  return defineConnector({
    id: 'csv',
    displayName: 'CSV import',
    credentials: csvCredentials,
    polls: false,
    // The contract asks every connector for HTTP settings; a CSV connection never makes a request.
    http: () => ({ baseUrl: 'http://127.0.0.1/', headers: {} }),
    async testConnection(ctx) {
      const { label, preset } = ctx.credentials;
      return { accountName: label, metadata: { preset } };
    },
    cursor: z.null(),
    // eslint-disable-next-line require-yield
    async *pull(): AsyncIterable<PullPage<null>> {},
    fetchTicket: async () => null,
  });
}
