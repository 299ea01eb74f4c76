import { randomBytes } from 'node:crypto';
import { describeStoreConformance } from '@ticketbridge/core/conformance';
import { SqliteStore } from '../src/index.js';
import { tempDir } from './temp-dir.js';

const file = tempDir();

describeStoreConformance('SqliteStore (sealed)', () => new SqliteStore({ path: file('sealed'), key: randomBytes(32) }));
describeStoreConformance('SqliteStore (plain)', () => new SqliteStore({ path: file('plain'), allowPlaintext: true }));
