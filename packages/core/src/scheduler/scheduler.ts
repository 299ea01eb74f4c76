/** A recurring job's options. */
export interface RecurringOptions {
  /** Delay before the first run. */
  initialDelayMs: number;
  /** Each interval is stretched or shrunk by up to this fraction, so many connections do not poll in lock-step. */
  jitterRatio?: number;
}

/**
 * Rebuilds a job from its key alone, in whichever process takes it (see {@link Scheduler.bind}). Returns undefined
 * for a key it does not know.
 */
export type JobResolver = (key: string) => (() => Promise<void>) | undefined;

/**
 * Runs sync work at the right times. The default {@link TimerScheduler} uses in-process timers; a host with many
 * workers plugs in one backed by its job engine (BullMQ, pg-boss), keyed by the same job keys, so each poll runs
 * once across the fleet.
 *
 * Job keys are `poll:<connectionId>` (the connection's poll), `retry:<connectionId>` (a failed run's retry),
 * `inbox:<connectionId>` (webhook deliveries to the host) and `maintain:<connectionId>` (the upkeep of a registered
 * webhook, e.g. Jira's 30-day refresh).
 */
export interface Scheduler {
  /** Runs `job` every `intervalMs` (measured from the end of the previous run: runs never overlap). */
  every(key: string, intervalMs: number, job: () => Promise<void>, options: RecurringOptions): void;
  /** Runs `job` once after `delayMs`, replacing any pending one-off job with the same key. */
  once(key: string, delayMs: number, job: () => Promise<void>): void;
  /** Cancels the job with this key (recurring or one-off). A running job finishes. */
  cancel(key: string): void;
  /** Cancels everything and resolves when running jobs have finished. */
  close(): Promise<void>;
  /**
   * Optional: implemented by a scheduler whose jobs are kept outside the process (a queue several worker processes
   * share), where a job may run in a process that never scheduled it (a connection connected on another worker). The
   * hub calls it once, when it is created, with a resolver that rebuilds the hub's jobs from their keys; such a
   * scheduler runs the resolver's job when there is one and the closure it was given otherwise. A hub whose scheduler
   * implements `bind` also hands each accepted webhook to it (`once('inbox:<id>', 0, ...)`), so a delivery that the
   * receiving worker cannot finish (it died) is run by another. Its `close()` stops this process taking jobs and
   * leaves the queued ones to the other workers.
   */
  bind?(resolve: JobResolver): void;
}
