// A host process for the OAuth test: a hub with the Acme Desk reference connector (OAuth methods) on a SqliteStore
// shared with another process, its own webhook server, and calls to sign in, connect and sync.
import { createHub } from '@ticketbridge/core';
import { acmeWithOAuth, startHostServer } from '@ticketbridge/core/testing';
import { SqliteStore } from '../../src/index.js';
import { answerCalls, closeOnSigterm } from '@ticketbridge/test-support/ipc';

const [path, keyBase64, simUrl, clientJson] = process.argv.slice(2);
const client = JSON.parse(clientJson!) as { clientId: string; clientSecret: string; redirectUri: string };
const store = new SqliteStore({ path: path!, key: Buffer.from(keyBase64!, 'base64') });
let handler: ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void) | undefined;
const server = await startHostServer((req, res) => handler!(req, res));
const hub = createHub({
  connectors: [acmeWithOAuth()],
  store,
  publicUrl: server.url,
  oauthClients: { acme: client },
  initialSyncDelayMs: 24 * 3600_000,
  pollIntervalMs: 24 * 3600_000,
  http: { minRetryDelayMs: 10, maxRetryDelayMs: 100 },
});
handler = hub.webhooks.nodeHandler();
const credentials = { method: 'oauth_authorization_code', subdomain: 'acme' };

answerCalls({
  authorize: () => hub.oauth.authorizationUrl({ platform: 'acme', credentials, baseUrl: simUrl!, syncMode: 'both' }),
  connect: (code: string, codeVerifier: string) =>
    hub.connect({ platform: 'acme', credentials, baseUrl: simUrl!, syncMode: 'both', oauth: { code, codeVerifier } }).then((c) => ({ id: c.id, secret: c.webhookSecret })),
  sync: (id: string) => hub.syncNow(id).then((run) => ({ status: run.status, errors: run.errors })),
  webhookUrl: (id: string) => hub.webhooks.urlFor(id),
});
closeOnSigterm(async () => {
  await hub.close();
  await server.close();
  await store.close();
});
process.send!({ event: 'ready' });
