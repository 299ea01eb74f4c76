// A worker process with its own PostgresStore (its own pool) on the schema the test names, driven over IPC by
// multi-process.test.ts.
import { PostgresStore } from '../../src/index.js';
import { answerStoreCalls, closeOnSigterm } from '@ticketbridge/test-support/ipc';

const [url, schema, applicationName] = process.argv.slice(2);
const store = await PostgresStore.open({ connectionString: url!, schema: schema!, allowPlaintext: true, applicationName: applicationName!, pool: { max: 2 } });
answerStoreCalls(store);
closeOnSigterm(() => store.close());
process.send!({ event: 'ready' });
