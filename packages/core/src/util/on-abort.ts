/** The callbacks waiting on each signal; the signal itself carries one listener that calls them all. */
const waiting = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `callback` once when `signal` aborts (at once if it already has), and returns the function that cancels
 * the wait. However many waits follow one signal, the signal carries a single `abort` listener: a hub's lifetime
 * signal followed by every in-flight request and back-off wait would otherwise collect one listener each (Node warns
 * with `MaxListenersExceededWarning` past ten), and `AbortSignal.any` per request costs a new signal plus weak
 * references the source keeps until the garbage collector clears them.
 *
 * A cancelled wait is forgotten at once (no reference to `callback` is kept); a signal nobody references any more is
 * collected with its waits. Each call registers its own wait, even for a function already registered.
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  if (signal.aborted) {
    callback();
    return noop;
  }
  let set = waiting.get(signal);
  if (!set) {
    const callbacks = new Set<() => void>();
    waiting.set(signal, callbacks);
    signal.addEventListener(
      'abort',
      () => {
        waiting.delete(signal);
        for (const fn of callbacks) {
          try {
            fn();
          } catch (error) {
            // A failing wait must not leave the others waiting forever; its error still surfaces, as a listener's would.
            queueMicrotask(() => {
              throw error;
            });
          }
        }
        callbacks.clear();
      },
      { once: true },
    );
    set = callbacks;
  }
  // A wrapper of its own, so the same function registered twice is two waits and cancelling one leaves the other.
  const entry = () => callback();
  set.add(entry);
  return () => void set.delete(entry);
}

function noop(): void {}
