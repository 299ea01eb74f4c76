import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { createHub, MemoryStore, type Hub, type SyncProgress, type TicketEvent } from '@ticketbridge/core';
import { TEST_HUB_DEFAULTS } from '@ticketbridge/core/testing';
import { csvSource, type CsvCredentials } from '../src/index.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A fixture shipped with the tests (real export headers). */
export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** A scratch directory removed after the test. */
export function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tb-csv-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `content` to a new file in a scratch directory and answers its path. */
export function csvFile(content: string | Buffer, name = 'export.csv'): string {
  const path = join(scratch(), name);
  writeFileSync(path, content);
  return path;
}

/** A real hub with the CSV connector and a memory store, one CSV connection, and what it emitted. */
export async function csvHub(credentials: Partial<CsvCredentials> = {}) {
  const hub: Hub = createHub({ connectors: [csvSource()], store: new MemoryStore(), ...TEST_HUB_DEFAULTS });
  cleanups.push(() => hub.close());
  const events: TicketEvent[] = [];
  const progress: SyncProgress[] = [];
  hub.on('ticket', (e) => {
    events.push(e);
  });
  hub.on('sync.progress', (p) => {
    progress.push(p);
  });
  const conn = await hub.connect({ platform: 'csv', credentials: { label: 'Test export', ...credentials }, syncMode: 'poll' });
  return { hub, conn, events, progress };
}
