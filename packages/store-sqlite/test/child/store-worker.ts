// A second process with its own SqliteStore on the same file, driven over IPC by multi-process.test.ts.
import { SqliteStore } from '../../src/index.js';
import { answerCalls, closeOnSigterm } from '@ticketbridge/test-support/ipc';

const [path] = process.argv.slice(2);
const store = new SqliteStore({ path: path!, allowPlaintext: true });
type Method = (...args: unknown[]) => Promise<unknown>;

// Every StateStore method, by name; Maps travel as plain objects over IPC.
answerCalls((method) => {
  const fn = (store as unknown as Record<string, Method | undefined>)[method];
  return (
    fn &&
    (async (...args: unknown[]) => {
      const result = await fn.apply(store, args);
      return result instanceof Map ? Object.fromEntries(result) : result;
    })
  );
});
closeOnSigterm(() => store.close());
process.send!({ event: 'ready' });
