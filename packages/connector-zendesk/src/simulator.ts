// The simulator lives in ./simulator/ (state, generator, routes, limits, webhooks); this path keeps the imports
// users and tests already have.
export * from './simulator/index.js';
