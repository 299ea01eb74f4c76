/**
 * The conformance suites, as vitest suites: `describeConnectorConformance` for a connector against its simulator,
 * `describeStoreConformance` for a `StateStore`. They import vitest, an optional peer dependency of this package
 * needed only here; the simulators they drive are in `@ticketbridge/core/testing`, which needs no test runner.
 *
 * @packageDocumentation
 */
export * from './conformance/describe-connector-conformance.js';
export * from './conformance/describe-store-conformance.js';
