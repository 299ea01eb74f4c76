// Real HTTP clients in their own process, so that their event loop does not take turns with the server's: a server
// that resets the connection too early makes them fail with EPIPE or ECONNRESET instead of returning its answer.
// Usage: node webhook-clients.mjs <webhook url> <rounds>. Prints a JSON line per try as it ends, [client, outcome],
// the outcome being `<status> <connection header>: <body>` or an error code, so that a run killed midway still tells.
import { request } from 'node:http';

const [url, rounds = '1'] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** fetch, answered with `status: body` or the error code of its cause. */
async function viaFetch(init) {
  try {
    const res = await fetch(url, { method: 'POST', ...init });
    // Read, not cancelled: Node 20's fetch spins on cancelling a response while its upload is still open.
    return `${res.status} ${res.headers.get('connection')}: ${await res.text()}`;
  } catch (error) {
    return error.cause?.code ?? String(error);
  }
}

/** node:http with a declared length, writing until the answer arrives. */
function viaNodeHttp() {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', headers: { 'content-length': String(1024 ** 3) } });
    let writing = true;
    const block = Buffer.alloc(64 * 1024);
    const pump = () => {
      while (writing && req.write(block));
      if (writing) req.once('drain', pump);
    };
    req.on('response', (res) => {
      writing = false;
      res.resume();
      resolve(`${res.statusCode} ${res.headers.connection}: (not read)`);
      req.destroy();
    });
    req.on('error', (e) => {
      writing = false;
      resolve(e.code ?? e.message);
    });
    pump();
  });
}

const endless = () => new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(16 * 1024)) });
const slow = () =>
  new ReadableStream({
    async pull(c) {
      await sleep(50);
      c.enqueue(new Uint8Array([32]));
    },
  });

const clients = {
  declared: () => viaFetch({ body: new Uint8Array(4 * 1024 * 1024) }),
  endless: () => viaFetch({ body: endless(), duplex: 'half' }),
  slow: () => viaFetch({ body: slow(), duplex: 'half' }),
  nodeHttp: viaNodeHttp,
};
for (let i = 0; i < Number(rounds); i++) {
  for (const [name, client] of Object.entries(clients)) process.stdout.write(`${JSON.stringify([name, await client()])}\n`);
}
