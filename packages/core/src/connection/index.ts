export type { HttpDefaults } from './connection-context.js';
