export * from './scheduler.js';
export * from './timer-scheduler.js';
