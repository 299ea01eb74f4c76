import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A fresh directory for this test file's databases, removed after the file's tests. */
export function tempDir(): (name: string) => string {
  const dir = mkdtempSync(join(tmpdir(), 'tb-store-sqlite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  return (name: string) => join(dir, `${name}-${++n}.db`);
}
