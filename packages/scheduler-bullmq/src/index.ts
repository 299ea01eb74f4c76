export { BullMQScheduler, redisOptionsFromUrl, type BullMQSchedulerOptions } from './bullmq-scheduler.js';
