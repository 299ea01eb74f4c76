// The CSV parser in a worker thread, so a large import splits bytes into records on one core while the hub
// normalizes, dedupes and stores them on the other. Plain JavaScript beside the TypeScript sources because a worker
// starts from a file Node can load as it is, from `src/` in the tests and from `dist/` once built.
//
// Protocol (the reader's `workerRecords` is the other half):
//   in:  { c: Uint8Array | string }  a chunk of the file, in order
//        { t: 'end' }                the file ended
//        { t: 'sync' }               the input failed: answer once every record of the chunks before is sent
//   out: { t: 'ready' }              loaded, send chunks
//        { t: 'rows', rows }         records parsed so far (arrays of cells), in file order
//        { t: 'ack' }                one chunk fully parsed (the reader's flow control counts these)
//        { t: 'error', code, message, records }  csv-parse refused the file; nothing follows
//        { t: 'end' }                every record was sent
//        { t: 'synced' }             the answer to 'sync'
import { parentPort, workerData } from 'node:worker_threads';
import { parse } from 'csv-parse';

const port = parentPort;
const parser = parse(workerData.options);
let failed = false;

// Drained right after each write as well as on 'readable': the records a chunk yields before a parse error are
// still in the buffer when `write` returns, and would be lost once the error destroys the stream.
const drain = () => {
  const rows = [];
  let record;
  while ((record = parser.read()) !== null) rows.push(record);
  if (rows.length) port.postMessage({ t: 'rows', rows });
};
parser.on('readable', drain);
parser.on('end', () => {
  if (!failed) port.postMessage({ t: 'end' });
});
parser.on('error', (error) => {
  if (failed) return;
  failed = true;
  port.postMessage({ t: 'error', code: typeof error.code === 'string' ? error.code : undefined, message: String(error.message), records: typeof error.records === 'number' ? error.records : undefined });
});
port.on('message', (message) => {
  if (failed) return;
  if (message.t === 'end') {
    parser.end();
    return;
  }
  if (message.t === 'sync') {
    port.postMessage({ t: 'synced' });
    return;
  }
  const chunk = typeof message.c === 'string' ? message.c : Buffer.from(message.c.buffer, message.c.byteOffset, message.c.byteLength);
  parser.write(chunk, (error) => {
    if (!error) port.postMessage({ t: 'ack' });
  });
  drain();
});
port.postMessage({ t: 'ready' });
