import { defineConfig } from 'vitest/config';

// No alias to core's sources (the monorepo packages use one): this example resolves @ticketbridge/core through its
// published `exports` map and built `dist`, exactly as a third party installing it from npm does.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000, maxWorkers: 2 },
});
