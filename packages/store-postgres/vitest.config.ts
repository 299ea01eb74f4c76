import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// Every case opens a store on its own schema (migrations included) against a shared PostgreSQL on a busy 2-core
// machine: the hang guard is wider than the default, no test asserts on time.
export default mergeConfig(shared, defineConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000 } }));
