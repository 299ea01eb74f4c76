export * from './ticket.js';
