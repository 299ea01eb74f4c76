// A worker process that takes a job and never finishes it, so the parent can SIGKILL it mid-job.
// argv: redis URL, queue name.
import { BullMQScheduler } from '../../src/index.js';

const [redisUrl, queueName] = process.argv.slice(2);
const scheduler = new BullMQScheduler({ connection: redisUrl!, queueName: queueName!, lockDurationMs: 1000, stalledIntervalMs: 500 });
scheduler.bind((key) => async () => {
  process.send!({ event: 'running', data: key });
  await new Promise(() => {});
});
process.send!({ event: 'ready' });
