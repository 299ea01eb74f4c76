import type { RecurringOptions, Scheduler } from './scheduler.js';

/**
 * In-process {@link Scheduler} on `setTimeout`. Timers are unref'd: they never keep a process alive on their own
 * (a host's HTTP server does that), and a script can exit after `hub.close()`.
 */
export class TimerScheduler implements Scheduler {
  #timers = new Map<string, NodeJS.Timeout>();
  #running = new Set<Promise<void>>();
  #closed = false;

  every(key: string, intervalMs: number, job: () => Promise<void>, options: RecurringOptions): void {
    this.cancel(key);
    const jitter = options.jitterRatio ?? 0.1;
    const next = (delay: number) => {
      if (this.#closed) return;
      const timer = setTimeout(() => {
        if (this.#timers.get(key) !== timer) return;
        const run = this.#track(job()).finally(() => {
          if (this.#timers.get(key) === timer) next(intervalMs * (1 + (Math.random() * 2 - 1) * jitter));
        });
        void run;
      }, Math.max(0, delay));
      timer.unref();
      this.#timers.set(key, timer);
    };
    next(options.initialDelayMs);
  }

  once(key: string, delayMs: number, job: () => Promise<void>): void {
    this.cancel(key);
    if (this.#closed) return;
    const timer = setTimeout(() => {
      if (this.#timers.get(key) !== timer) return;
      this.#timers.delete(key);
      void this.#track(job());
    }, Math.max(0, delayMs));
    timer.unref();
    this.#timers.set(key, timer);
  }

  cancel(key: string): void {
    const timer = this.#timers.get(key);
    if (timer) clearTimeout(timer);
    this.#timers.delete(key);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const key of [...this.#timers.keys()]) this.cancel(key);
    await Promise.allSettled([...this.#running]);
  }

  #track(work: Promise<void>): Promise<void> {
    const p = work.catch(() => undefined);
    this.#running.add(p);
    void p.finally(() => this.#running.delete(p));
    return p;
  }
}
