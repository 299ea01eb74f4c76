export * from './types.js';
export * from './state-store.js';
export * from './memory-store.js';
export * from './sealing.js';
export * from './route-keys.js';
