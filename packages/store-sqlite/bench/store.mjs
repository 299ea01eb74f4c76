// Store factory for core's sync benchmark (BENCH_STORE_MODULE): the engine runs on a SqliteStore in a scratch
// directory, with the production defaults (WAL, synchronous=FULL, sealed credentials with a raw key).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { SqliteStore } from '../dist/index.js';

export default (dir) => new SqliteStore({ path: join(dir, 'bench.db'), key: randomBytes(32) });
