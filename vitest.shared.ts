import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const core = (p: string) => fileURLToPath(new URL(`./packages/core/src/${p}`, import.meta.url));

/**
 * Tests resolve `@ticketbridge/core` to its source, so a package's tests never run against a stale build.
 * The published entry points are checked separately by publint and arethetypeswrong (`pnpm lint:packages`).
 */
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@ticketbridge\/core\/testing$/, replacement: core('testing.ts') },
      { find: /^@ticketbridge\/core\/conformance$/, replacement: core('conformance.ts') },
      { find: /^@ticketbridge\/core\/toolkit$/, replacement: core('toolkit.ts') },
      { find: /^@ticketbridge\/core$/, replacement: core('index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // 2-core machines: files in parallel, but not more than the cores can carry.
    maxWorkers: 2,
  },
});
