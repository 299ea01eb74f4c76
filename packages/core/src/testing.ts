/**
 * The connector testing kit: simulator building blocks and the conformance suite every connector runs.
 *
 * @packageDocumentation
 */
export * from './testing/loopback-server.js';
export * from './testing/connector-simulator.js';
