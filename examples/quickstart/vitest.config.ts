import { defineConfig } from 'vitest/config';

// The Quick start runs in a child `node` process that resolves the packages through their published exports and
// built dist, as a user's service does; the test itself only starts the simulator and reads the output.
export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 30_000 } });
