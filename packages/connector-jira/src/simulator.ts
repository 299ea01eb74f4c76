// The simulator lives in ./simulator/ (state, generator, JQL, routes, webhooks); this path is what testing.ts re-exports.
export * from './simulator/index.js';
