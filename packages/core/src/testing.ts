/**
 * The connector testing kit: simulator building blocks, the Acme Desk reference connector and simulator, and
 * helpers for tests that talk to a simulator over loopback HTTP. It needs nothing but Node and this package's own
 * dependencies, so a simulator runs in any test runner, a script or a demo, from ESM or CommonJS. The vitest
 * conformance suites are at `@ticketbridge/core/conformance`.
 *
 * @packageDocumentation
 */
export * from './testing/loopback-server.js';
export * from './testing/connector-simulator.js';
export * from './testing/kit.js';
export * from './testing/reference/index.js';
export * from './testing/wait-for.js';
export * from './testing/start-host-server.js';
export * from './testing/test-hub-defaults.js';
export * from './testing/hostile-subdomains.js';
export * from './testing/create-test-context.js';
export * from './testing/create-test-draft.js';
export { drainPull, latestById } from './testing/pull-helpers.js';
export * from './testing/manual-scheduler.js';
