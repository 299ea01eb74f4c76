/** A recurring job's options. */
export interface RecurringOptions {
  /** Delay before the first run. */
  initialDelayMs: number;
  /** Each interval is stretched or shrunk by up to this fraction, so many connections do not poll in lock-step. */
  jitterRatio?: number;
}

/**
 * Runs sync work at the right times. The default {@link TimerScheduler} uses in-process timers; a host with many
 * workers plugs in one backed by its job engine (BullMQ, pg-boss), keyed by the same job keys, so each poll runs
 * once across the fleet.
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
}
