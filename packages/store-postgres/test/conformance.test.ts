import { randomBytes } from 'node:crypto';
import { describeStoreConformance } from '@ticketbridge/core/conformance';
import { describePg, freshSchema, openStore } from './pg.js';

// Every case gets a store on a new, empty schema, like the SQLite store's fresh file.
describePg('PostgresStore', () => {
  describeStoreConformance('PostgresStore (sealed)', () => openStore(freshSchema('sealed'), { key: randomBytes(32) }));
  describeStoreConformance('PostgresStore (plain)', () => openStore(freshSchema('plain')));
});
