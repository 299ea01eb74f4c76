import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// Passphrase keys run scrypt at OWASP's minimum cost (about 0.5 s of CPU each, synchronous), and the crash tests
// fork host processes; with other packages' suites on the same two cores a 30 s hang guard fired on a passing test.
// The guard stays a guard (no test asserts on time), only wider.
export default mergeConfig(shared, defineConfig({ test: { testTimeout: 120_000, hookTimeout: 60_000 } }));
