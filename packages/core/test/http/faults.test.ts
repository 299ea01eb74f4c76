import { afterEach, describe, expect, it } from 'vitest';
import { PermanentError, ResponseShapeError, TransientError } from '../../src/errors/index.js';
import { createHttpClient } from '../../src/http/create-http-client.js';
import { closeServers, fast, recordingObserver, recordingServer, redactor, TOKEN, zendeskLikeConfig } from './helpers.js';

afterEach(closeServers);

describe('createHttpClient: network faults', () => {
  it('retries a connection reset in the middle of the body', async () => {
    let calls = 0;
    const { server, requests } = await recordingServer((_req, res) => {
      if (++calls === 1) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
        res.write('{"tickets":[{"id":1},');
        // Give the headers and partial body time to leave before the reset.
        setTimeout(() => res.socket?.destroy(), 20);
        return undefined;
      }
      return { status: 200, body: { tickets: [{ id: 1 }, { id: 2 }] } };
    });
    const { observer, of } = recordingObserver();
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url, observer, ...fast });

    await expect(http.get('tickets.json')).resolves.toEqual({ tickets: [{ id: 1 }, { id: 2 }] });

    expect(requests).toHaveLength(2);
    const [retry] = of('retry') as Array<{ error: TransientError }>;
    expect(retry?.error).toBeInstanceOf(TransientError);
    expect(retry?.error.message).toMatch(/connection closed before the response was complete/);
  });

  it('retries a truncated JSON body on a GET', async () => {
    let calls = 0;
    const { server, requests } = await recordingServer(() =>
      ++calls === 1
        ? { status: 200, headers: { 'content-type': 'application/json' }, body: '{"tickets":[{"id":1},{"id"' }
        : { status: 200, body: { tickets: [] } },
    );
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url, ...fast });
    await expect(http.get('tickets.json')).resolves.toEqual({ tickets: [] });
    expect(requests).toHaveLength(2);
  });

  it('reports invalid JSON on a non-idempotent POST as ResponseShapeError, without re-sending', async () => {
    const { server, requests } = await recordingServer(() => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html>login</html>' }));
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url, ...fast });
    const error = await http.post('tickets.json', { json: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseShapeError);
    expect((error as Error).message).toContain('not valid JSON');
    expect(requests).toHaveLength(1);
  });

  it('times out a server that never answers, as a TransientError', async () => {
    const { server, requests } = await recordingServer(() => new Promise(() => {}));
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url, timeoutMs: 150, retries: 1, ...fast });

    const error = await http.get('tickets.json').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).message).toBe('[ticketbridge] [zendesk] GET /api/v2/tickets.json timed out after 150 ms');
    expect(requests).toHaveLength(2);
  });

  it('times out a body that stalls after the headers', async () => {
    const { server } = await recordingServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"tickets":');
      return undefined;
    });
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url, timeoutMs: 150, retries: 0 });
    await expect(http.get('tickets.json')).rejects.toThrow(/timed out after 150 ms/);
  });
});

describe('createHttpClient: requests fetch refuses to build', () => {
  it('reports a GET with a body as PermanentError without retrying', async () => {
    const { server, requests } = await recordingServer(() => ({ status: 200, body: {} }));
    const { observer, of } = recordingObserver();
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url, observer, ...fast });

    const error = await http.request('tickets.json', { method: 'GET', json: { oops: true } }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).message).toContain('could not be sent');
    expect(of('retry')).toHaveLength(0);
    expect(requests).toHaveLength(0);
  });
});

describe('createHttpClient: redirects', () => {
  it('follows a same-origin redirect, keeping the auth header', async () => {
    const { server, requests } = await recordingServer((req) =>
      req.url.pathname === '/api/v2/old' ? { status: 301, headers: { location: '/api/v2/new?x=1' } } : { status: 200, body: { moved: true } },
    );
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url });

    const response = await http.request('old');

    expect(response.data).toEqual({ moved: true });
    expect(response.url).toBe(`${server.url}/api/v2/new?x=1`);
    expect(requests.map((r) => [r.rawUrl, r.headers.authorization])).toEqual([
      ['/api/v2/old', `Bearer ${TOKEN}`],
      ['/api/v2/new?x=1', `Bearer ${TOKEN}`],
    ]);
  });

  it('refuses a redirect to another host, which never sees the Authorization header', async () => {
    const thief = await recordingServer(() => ({ status: 200, body: { stolen: true } }));
    const home = await recordingServer(() => ({ status: 302, headers: { location: `http://localhost:${thief.server.port}/collect` } }));
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: home.server.url, ...fast });

    const error = await http.get('tickets.json').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).message).toContain('refused redirect to another host');
    expect((error as PermanentError).status).toBe(302);
    expect(home.requests).toHaveLength(1);
    expect(thief.requests).toHaveLength(0);
  });

  it('stops after three redirect hops', async () => {
    let n = 0;
    const { server, requests } = await recordingServer(() => ({ status: 307, headers: { location: `/api/v2/hop${++n}` } }));
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url });
    await expect(http.get('start')).rejects.toThrow(/more than 3 redirects/);
    expect(requests).toHaveLength(4);
  });
});
