import { onAbort } from './on-abort.js';

/**
 * Resolves after `ms`, or rejects with the signal's reason when it aborts first. Any number of concurrent sleeps on
 * one signal add a single listener to it (see {@link onAbort}).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      cancel?.();
      resolve();
    }, ms);
    const cancel = signal
      ? onAbort(signal, () => {
          clearTimeout(timer);
          reject(signal.reason);
        })
      : undefined;
  });
}
