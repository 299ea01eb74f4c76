/**
 * The connector testing kit: simulator building blocks and the conformance suite every connector runs.
 *
 * @packageDocumentation
 */
export * from './testing/loopback-server.js';
export * from './testing/connector-simulator.js';
export * from './testing/kit.js';
export * from './testing/reference/index.js';
export * from './testing/store-conformance.js';
export * from './testing/conformance.js';
