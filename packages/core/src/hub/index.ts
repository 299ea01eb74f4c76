export * from './create-hub.js';
export * from './connection-view.js';
export * from './events.js';
