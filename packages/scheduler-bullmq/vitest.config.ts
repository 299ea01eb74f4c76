import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// The multi-worker test forks three hub processes on two shared cores; the guard stays a guard (no test asserts on
// time), only wider.
export default mergeConfig(shared, defineConfig({ test: { testTimeout: 120_000, hookTimeout: 60_000 } }));
