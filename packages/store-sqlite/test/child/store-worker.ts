// A second process with its own SqliteStore on the same file, driven over IPC by multi-process.test.ts.
import { SqliteStore } from '../../src/index.js';
import { answerStoreCalls, closeOnSigterm } from '@ticketbridge/test-support/ipc';

const [path] = process.argv.slice(2);
const store = new SqliteStore({ path: path!, allowPlaintext: true });
answerStoreCalls(store);
closeOnSigterm(() => store.close());
process.send!({ event: 'ready' });
