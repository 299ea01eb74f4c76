// A worker process with its own PostgresStore (its own pool) on the schema the test names, driven over IPC by
// multi-process.test.ts.
import { PostgresStore } from '../../src/index.js';
import { answerCalls, closeOnSigterm } from '@ticketbridge/test-support/ipc';

const [url, schema, applicationName] = process.argv.slice(2);
const store = await PostgresStore.open({ connectionString: url!, schema: schema!, allowPlaintext: true, applicationName: applicationName!, pool: { max: 2 } });
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
