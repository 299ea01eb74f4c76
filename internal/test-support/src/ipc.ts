// The child side of `Child` (./processes.ts): answers `call(method, ...args)` and shuts down on SIGTERM.

/** A method the parent can call; its result (or error message) goes back with the call's id. */
export type CallHandler = (...args: any[]) => unknown;

/** Answers the parent's calls with the named handler (or the one `handlers` finds); unknown methods get an error. */
export function answerCalls(handlers: Record<string, CallHandler> | ((method: string) => CallHandler | undefined)): void {
  const find = typeof handlers === 'function' ? handlers : (method: string) => handlers[method];
  process.on('message', (raw) => {
    const { id, method, args = [] } = raw as { id: number; method: string; args?: unknown[] };
    Promise.resolve()
      .then(() => {
        const handler = find(method);
        if (!handler) throw new Error(`no method ${method} in this child`);
        return handler(...args);
      })
      .then(
        (result) => process.send!({ id, result }),
        (error: unknown) => process.send!({ id, error: error instanceof Error ? error.message : String(error) }),
      );
  });
}

/** On SIGTERM (the parent's orderly stop), runs `close` and exits; a SIGKILL is the crash the tests are about. */
export function closeOnSigterm(close: () => Promise<void>): void {
  process.on('SIGTERM', () => {
    void close().then(() => process.exit(0));
  });
}

/** Answers every method of `store` by name (a `StateStore` in a child process); Maps travel as plain objects over IPC. */
export function answerStoreCalls(store: object): void {
  type Method = (...args: unknown[]) => Promise<unknown>;
  answerCalls((method) => {
    const fn = (store as Record<string, Method | undefined>)[method];
    return (
      fn &&
      (async (...args: unknown[]) => {
        const result = await fn.apply(store, args);
        return result instanceof Map ? Object.fromEntries(result) : result;
      })
    );
  });
}
