// A second process with its own SqliteStore on the same file, driven over IPC by multi-process.test.ts.
import { SqliteStore } from '../../src/index.js';

const [path] = process.argv.slice(2);
const store = new SqliteStore({ path: path!, allowPlaintext: true });
type Method = (...args: unknown[]) => Promise<unknown>;

process.on('message', (raw) => {
  const { id, method, args } = raw as { id: number; method: string; args: unknown[] };
  const fn = (store as unknown as Record<string, Method>)[method];
  Promise.resolve()
    .then(() => fn!.apply(store, args))
    .then(
      (result) => process.send!({ id, result: result instanceof Map ? Object.fromEntries(result) : result }),
      (error: unknown) => process.send!({ id, error: error instanceof Error ? error.message : String(error) }),
    );
});
process.on('SIGTERM', () => {
  void store.close().then(() => process.exit(0));
});
process.send!({ event: 'ready' });
