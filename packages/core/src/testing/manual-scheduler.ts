import type { RecurringOptions, Scheduler } from '../scheduler/scheduler.js';

/**
 * A {@link Scheduler} a test drives by hand: one-off jobs (a retry, the upkeep of a registered webhook) wait in
 * {@link ManualScheduler.jobs} until the test {@link ManualScheduler.fire | fires} them; recurring polls never run.
 * For testing scheduled connector hooks such as `webhook.maintain` without waiting days or faking timers.
 */
export class ManualScheduler implements Scheduler {
  /** Pending one-off jobs by key, with the delay they were scheduled at. */
  readonly jobs = new Map<string, { delayMs: number; job: () => Promise<void> }>();

  every(_key: string, _intervalMs: number, _job: () => Promise<void>, _options: RecurringOptions): void {}

  once(key: string, delayMs: number, job: () => Promise<void>): void {
    this.jobs.set(key, { delayMs, job });
  }

  cancel(key: string): void {
    this.jobs.delete(key);
  }

  async close(): Promise<void> {
    this.jobs.clear();
  }

  /** Runs the pending job at `key` now (and forgets it, as a timer would); throws when nothing is scheduled there. */
  async fire(key: string): Promise<void> {
    const entry = this.jobs.get(key);
    if (!entry) throw new Error(`nothing scheduled at ${key}`);
    this.jobs.delete(key);
    await entry.job();
  }
}
