import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, CredentialsError, PermanentError, ResponseShapeError, TicketbridgeError, TransientError } from '../../src/errors/index.js';
import { Redactor } from '../../src/credentials/redact.js';
import { createHttpClient, type HttpObserver } from '../../src/http/create-http-client.js';
import type { Logger } from '../../src/util/logger.js';
import { waitFor } from '../../src/testing/wait-for.js';
import { closeServers, fast, recordingObserver, recordingServer, redactor, TOKEN, zendeskLikeConfig } from './helpers.js';

afterEach(closeServers);

/** A client on `signal` whose back-off waits last ten minutes: only an abort ends them within a test. */
const clientWithLongBackOff = (url: string, signal: AbortSignal, observer: HttpObserver) =>
  createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: url, signal, minRetryDelayMs: 600_000, maxRetryDelayMs: 600_000, observer });

describe('createHttpClient: URLs and headers', () => {
  it('joins paths under the base path, repeats array query keys, drops undefined and sends the auth headers', async () => {
    const { server, requests } = await recordingServer(() => ({ status: 200, body: { tickets: [] } }));
    const http = createHttpClient(zendeskLikeConfig({ headers: { Authorization: `Bearer ${TOKEN}`, 'X-Api-Version': '2' } }), {
      platform: 'zendesk',
      redactor,
      baseUrlOverride: server.url,
    });

    expect(http.baseUrl).toBe(`${server.url}/api/v2/`);
    await http.get('tickets.json', { searchParams: { include: ['users', 'groups'], page: 2, sort: undefined, archived: true } });
    await http.get('/search/export.json', { searchParams: { query: 'type:ticket status<solved' } });

    expect(requests.map((r) => r.rawUrl)).toEqual([
      '/api/v2/tickets.json?include=users&include=groups&page=2&archived=true',
      '/api/v2/search/export.json?query=type%3Aticket+status%3Csolved',
    ]);
    for (const r of requests) {
      expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(r.headers['x-api-version']).toBe('2');
      expect(r.headers.accept).toBe('application/json');
    }
  });

  it('sends public headers on every request and never redacts them, unlike auth headers', async () => {
    const { server, requests } = await recordingServer(() => ({ status: 400, body: { error: 'bad_request', message: 'Intercom-Version 2.16 does not support this with token abcd-secret-token' } }));
    const http = createHttpClient(
      { baseUrl: 'https://api.intercom.io', headers: { authorization: 'Bearer abcd-secret-token' }, publicHeaders: { 'intercom-version': '2.16' } },
      { platform: 'intercom', redactor: new Redactor([]), baseUrlOverride: server.url },
    );
    const error = (await http.get('me').then(() => undefined, (e: unknown) => e)) as PermanentError;
    expect(requests[0]!.headers['intercom-version']).toBe('2.16');
    expect(requests[0]!.headers.authorization).toBe('Bearer abcd-secret-token');
    expect(error.message).toContain('Intercom-Version 2.16 does not support this');
    expect(error.message).not.toContain('abcd-secret-token');
  });

  it('puts a path on the override in front of the base path (an egress proxy)', async () => {
    const { server, requests } = await recordingServer(() => ({ status: 200, body: {} }));
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: `${server.url}/proxy/zendesk/` });
    await http.get('tickets.json');
    expect(requests[0]?.rawUrl).toBe('/proxy/zendesk/api/v2/tickets.json');
  });

  it('sends a JSON body and returns status, headers, data and final URL', async () => {
    const { server, requests } = await recordingServer((req) => ({ status: 201, headers: { 'x-request-id': 'r1' }, body: { echoed: req.json } }));
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url });

    const response = await http.request('webhooks', { method: 'POST', json: { name: 'tb' } });

    expect(response.status).toBe(201);
    expect(response.headers.get('x-request-id')).toBe('r1');
    expect(response.data).toEqual({ echoed: { name: 'tb' } });
    expect(response.url).toBe(`${server.url}/api/v2/webhooks`);
    expect(requests[0]?.headers['content-type']).toMatch(/^application\/json/);
  });

  it('returns undefined for an empty body', async () => {
    const { server } = await recordingServer(() => ({ status: 204 }));
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url });
    await expect(http.request('tickets/1.json', { method: 'DELETE' })).resolves.toMatchObject({ status: 204, data: undefined });
  });

  it('follows an absolute next-page link on the same origin', async () => {
    const { server, requests } = await recordingServer((req) => ({
      status: 200,
      body: req.url.searchParams.get('after') ? { results: [2], paging: null } : { results: [1], paging: { next: { link: `${server.url}/crm/v3/objects/tickets?after=abc` } } },
    }));
    const http = createHttpClient({ baseUrl: 'https://api.hubapi.com', headers: { Authorization: `Bearer ${TOKEN}` } }, { platform: 'hubspot', redactor, baseUrlOverride: server.url });

    const first = await http.get<{ paging: { next: { link: string } } }>('crm/v3/objects/tickets', { searchParams: { limit: 100 } });
    await http.get(first.paging.next.link, { searchParams: { limit: 100 } });

    expect(requests.map((r) => r.rawUrl)).toEqual(['/crm/v3/objects/tickets?limit=100', '/crm/v3/objects/tickets?after=abc&limit=100']);
    expect(requests[1]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('refuses an absolute URL on another origin before sending anything', async () => {
    const home = await recordingServer(() => ({ status: 200, body: {} }));
    const other = await recordingServer(() => ({ status: 200, body: {} }));
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: home.server.url });
    // Same host and port spelled `localhost` is a different origin, as a browser would also judge it.
    const elsewhere = `http://localhost:${other.server.port}/api/v2/tickets.json`;

    const error = await http.get(elsewhere).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/^\[ticketbridge\] \[zendesk\] refused to send a request to http:\/\/localhost:/);
    expect(other.requests).toHaveLength(0);
    expect(home.requests).toHaveLength(0);
  });

  it('rejects a base URL that is not http(s) or carries credentials', () => {
    expect(() => createHttpClient({ baseUrl: 'ftp://x.example.com', headers: {} }, { platform: 'csv', redactor })).toThrow(ConfigError);
    expect(() => createHttpClient({ baseUrl: 'https://user:pw@x.example.com', headers: {} }, { platform: 'csv', redactor })).toThrow(ConfigError);
  });
});

describe('createHttpClient: error classification', () => {
  it('turns a 401 into a CredentialsError naming the field, keeping the platform message without the token', async () => {
    const { server } = await recordingServer(() => ({
      status: 401,
      body: { error: 'invalid_token', description: `The access token ${TOKEN} is not valid` },
    }));
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url });

    const error = await http.get('users/me.json', { searchParams: { token: TOKEN } }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CredentialsError);
    const credentials = error as CredentialsError;
    expect(credentials.field).toBe('apiToken');
    expect(credentials.status).toBe(401);
    expect(credentials.request).toBe('GET /api/v2/users/me.json');
    expect(credentials.platformMessage).toBe('invalid_token: The access token [redacted] is not valid');
    expect(credentials.message).toBe(
      '[ticketbridge] [zendesk] GET /api/v2/users/me.json answered 401 Unauthorized: invalid_token: The access token [redacted] is not valid',
    );
    expect(TicketbridgeError.isInstance(error)).toBe(true);
    expect(JSON.stringify(credentials)).not.toContain(TOKEN);
    expect(credentials.message).not.toContain(TOKEN);
  });

  it('uses the connector errorMessage extractor when given', async () => {
    const { server } = await recordingServer(() => ({ status: 401, body: { errors: { code: 'auth', title: 'Bad key' } } }));
    const http = createHttpClient(
      zendeskLikeConfig({ errorMessage: (body) => (body as { errors?: { title?: string } }).errors?.title }),
      { platform: 'freshdesk', redactor, baseUrlOverride: server.url },
    );
    await expect(http.get('agents/me')).rejects.toMatchObject({ platformMessage: 'Bad key', field: 'apiToken' });
  });

  it('turns 403, 404, 400 and 422 into PermanentError without retrying', async () => {
    const statuses = [403, 404, 400, 422];
    const { server, requests } = await recordingServer((req) => ({
      status: Number(req.url.pathname.split('/').pop()),
      body: { errors: [{ message: 'nope' }] },
    }));
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url, ...fast });

    for (const status of statuses) {
      const error = await http.get(`status/${status}`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermanentError);
      expect(error).toMatchObject({ status, platformMessage: 'nope', retryable: false, code: 'permanent' });
    }
    expect(requests).toHaveLength(statuses.length);
  });

  it('returns statuses listed in acceptStatus instead of throwing', async () => {
    const { server } = await recordingServer(() => ({ status: 404, body: { error: 'RecordNotFound' } }));
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url });
    await expect(http.request('tickets/9.json', { acceptStatus: [404] })).resolves.toMatchObject({ ok: false, status: 404, data: { error: 'RecordNotFound' } });
  });

  it('applies schema to success bodies only: an accepted error status comes back unvalidated, a 2xx validated', async () => {
    const bodies: Record<string, { status: number; body: unknown }> = {
      '/api/v2/tickets/9.json': { status: 404, body: { error: 'RecordNotFound', description: 'Not found' } },
      '/api/v2/tickets/1.json': { status: 200, body: { ticket: { id: 1, subject: 'Printer on fire', extra: true } } },
      '/api/v2/tickets/2.json': { status: 200, body: { ticket: { id: 'two' } } },
      '/api/v2/tickets/3.json': { status: 404, body: 'not json at all' },
    };
    const { server } = await recordingServer((req) => bodies[req.url.pathname] ?? { status: 500 });
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url });
    const schema = z.object({ ticket: z.object({ id: z.number(), subject: z.string() }) });

    const gone = await http.request('tickets/9.json', { schema, acceptStatus: [404] });
    expect(gone).toMatchObject({ ok: false, status: 404, data: { error: 'RecordNotFound', description: 'Not found' } });
    const found = await http.request('tickets/1.json', { schema, acceptStatus: [404] });
    expect(found.ok).toBe(true);
    // Narrowing on `ok` gives the schema's type; the accepted error above never claimed it.
    if (found.ok) expect(found.data.ticket.subject).toBe('Printer on fire');
    expect(found.data).toEqual({ ticket: { id: 1, subject: 'Printer on fire' } });
    await expect(http.request('tickets/2.json', { schema, acceptStatus: [404] })).rejects.toBeInstanceOf(ResponseShapeError);
    await expect(http.request('tickets/3.json', { schema, acceptStatus: [404] })).resolves.toMatchObject({ ok: false, status: 404, data: undefined });
    // get/post return a success's body and never an accepted error body, even when an untyped caller asks.
    await expect(http.get('tickets/9.json', { acceptStatus: [404] } as never)).rejects.toMatchObject({ status: 404, code: 'permanent' });
  });

  it('keepBody: the schema checks the body and the caller gets the body itself, every field included', async () => {
    const bodies: Record<string, { status: number; body: unknown }> = {
      '/api/v2/tickets/1.json': { status: 200, body: { ticket: { id: 1, subject: 'Printer on fire', extra: { nested: [1, 2] } }, sideloaded: true } },
      '/api/v2/tickets/2.json': { status: 200, body: { ticket: { id: 'two', subject: 'x' } } },
    };
    const { server } = await recordingServer((req) => bodies[req.url.pathname] ?? { status: 500 });
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url });
    const schema = z.object({ ticket: z.object({ id: z.number(), subject: z.string() }) });

    const kept = await http.get('tickets/1.json', { schema, keepBody: true });
    expect(kept).toEqual({ ticket: { id: 1, subject: 'Printer on fire', extra: { nested: [1, 2] } }, sideloaded: true });
    // Still checked: a body that does not fit fails as it does without keepBody.
    await expect(http.get('tickets/2.json', { schema, keepBody: true })).rejects.toBeInstanceOf(ResponseShapeError);
    // Without keepBody the schema's output (unknown keys stripped) is what comes back.
    expect(await http.get('tickets/1.json', { schema })).toEqual({ ticket: { id: 1, subject: 'Printer on fire' } });
  });

  it('throws ResponseShapeError listing issue paths but no values when the schema does not match', async () => {
    const { server } = await recordingServer(() => ({ status: 200, body: { tickets: [{ id: 1 }, { id: 'leaky-value-123' }], count: 'two' } }));
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url });
    // https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#list-tickets (fields we read)
    const schema = z.object({ tickets: z.array(z.object({ id: z.number() })), count: z.number() });

    const error = await http.get('tickets.json', { schema }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ResponseShapeError);
    const shape = error as ResponseShapeError;
    expect(shape.issues).toEqual(['tickets.1.id (invalid_type)', 'count (invalid_type)']);
    expect(shape.message).toContain('tickets.1.id');
    expect(shape.message).not.toContain('leaky-value-123');
    expect(shape.retryable).toBe(false);
  });

  it('returns schema-parsed data (unknown keys stripped)', async () => {
    const { server } = await recordingServer(() => ({ status: 200, body: { user: { id: 7, name: 'Ada', extra: true } } }));
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url });
    const me = await http.get('users/me.json', { schema: z.object({ user: z.object({ id: z.number() }) }) });
    expect(me).toEqual({ user: { id: 7 } });
  });
});

describe('createHttpClient: retries', () => {
  it('retries a 500 then succeeds, and reports the retry through the observer', async () => {
    let calls = 0;
    const { server, requests } = await recordingServer(() => (++calls === 1 ? { status: 500, body: { error: 'boom' } } : { status: 200, body: { ok: true } }));
    const { observer, of } = recordingObserver();
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url, observer, ...fast });

    await expect(http.get('tickets.json')).resolves.toEqual({ ok: true });

    expect(requests).toHaveLength(2);
    expect(of('request')).toHaveLength(2);
    const retries = of('retry') as Array<{ attempt: number; delayMs: number; error: unknown }>;
    expect(retries).toHaveLength(1);
    expect(retries[0]?.attempt).toBe(1);
    expect(retries[0]?.error).toBeInstanceOf(TransientError);
    expect(retries[0]?.delayMs).toBeGreaterThanOrEqual(fast.minRetryDelayMs);
  });

  it('gives up after `retries` retries with the last TransientError', async () => {
    const { server, requests } = await recordingServer(() => ({ status: 502, body: 'Bad Gateway' }));
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url, retries: 2, ...fast });

    const error = await http.get('tickets.json').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ status: 502, platformMessage: 'Bad Gateway', retryable: true });
    expect(requests).toHaveLength(3);
  });

  it('does not retry a POST unless it is marked idempotent', async () => {
    const { server, requests } = await recordingServer(() => ({ status: 503, body: { error: 'unavailable' } }));
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'hubspot', redactor, baseUrlOverride: server.url, retries: 2, ...fast });

    await expect(http.post('crm/v3/objects/tickets', { json: { properties: {} } })).rejects.toBeInstanceOf(TransientError);
    expect(requests).toHaveLength(1);

    await expect(http.post('crm/v3/objects/tickets/search', { json: { limit: 1 }, idempotent: true })).rejects.toBeInstanceOf(TransientError);
    expect(requests).toHaveLength(1 + 3);
  });

  it('cancels a back-off wait when the signal aborts, rejecting with its reason', async () => {
    const { server, requests } = await recordingServer(() => ({ status: 500 }));
    const controller = new AbortController();
    const http = clientWithLongBackOff(server.url, controller.signal, { onRetry: () => setTimeout(() => controller.abort(new Error('connection paused')), 20) });
    await expect(http.get('tickets.json')).rejects.toThrow('connection paused');
    expect(requests).toHaveLength(1);
  });

  it('follows its signal with one listener however many requests and back-off waits are under way, and aborts them all', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { server, requests } = await recordingServer(async () => {
      await held;
      return { status: 500 };
    });
    const controller = new AbortController();
    let retries = 0;
    const http = clientWithLongBackOff(server.url, controller.signal, { onRetry: () => void retries++ });
    const outcomes = Array.from({ length: 12 }, () => http.get('tickets.json').catch((e: unknown) => e));
    await waitFor(() => requests.length === 12, 5_000, 'twelve requests at the server');
    // Twelve requests on the wire: still at most one listener on the shared signal.
    expect(getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(1);
    release();
    await waitFor(() => retries === 12, 5_000, 'twelve back-off waits');
    // Twelve back-off waits: the same.
    expect(getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(1);
    const reason = new Error('hub closing');
    controller.abort(reason);
    expect(await Promise.all(outcomes)).toEqual(Array(12).fill(reason));
    expect(requests).toHaveLength(12);
  });

  it('ignores an observer that throws', async () => {
    const { server } = await recordingServer(() => ({ status: 200, body: { ok: true } }));
    const observer = {
      onRequest: () => {
        throw new Error('counter broke');
      },
    };
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url, observer });
    await expect(http.get('tickets.json')).resolves.toEqual({ ok: true });
  });

  it('retries an idempotent POST after a 500 and succeeds', async () => {
    let calls = 0;
    const { server, requests } = await recordingServer(() => (++calls === 1 ? { status: 500 } : { status: 200, body: { results: [] } }));
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'hubspot', redactor, baseUrlOverride: server.url, ...fast });
    await expect(http.post('crm/v3/objects/tickets/search', { json: { limit: 1 }, idempotent: true })).resolves.toEqual({ results: [] });
    expect(requests.map((r) => r.json)).toEqual([{ limit: 1 }, { limit: 1 }]);
  });

  it('honours Retry-After on a 503 before retrying', async () => {
    let calls = 0;
    const { server, requests } = await recordingServer(() =>
      ++calls === 1 ? { status: 503, headers: { 'retry-after': '1' }, body: { error: 'maintenance' } } : { status: 200, body: {} },
    );
    const { observer, of } = recordingObserver();
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'jira', redactor, baseUrlOverride: server.url, observer, ...fast });

    await http.get('rest/api/3/myself');

    expect((of('retry')[0] as { delayMs: number }).delayMs).toBe(1000);
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(900);
  });

  it('retries a POST whose connection was refused before anything was sent', async () => {
    const { server } = await recordingServer(() => ({ status: 200 }));
    const closedOrigin = server.url;
    await closeServers();
    const { observer, of } = recordingObserver();
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'hubspot', redactor, baseUrlOverride: closedOrigin, retries: 2, observer, ...fast });

    const error = await http.post('crm/v3/objects/tickets', { json: {} }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).message).toContain('ECONNREFUSED');
    expect(of('retry')).toHaveLength(2);
  });
});

describe('createHttpClient: secrets', () => {
  it('keeps auth header values out of errors, causes and logs even when the given redactor does not know them', async () => {
    let calls = 0;
    const { server } = await recordingServer(() =>
      ++calls <= 2 ? { status: 500, body: { message: `upstream rejected Bearer ${TOKEN}` } } : { status: 403, body: { error: `token ${TOKEN} lacks scope` } },
    );
    const lines: unknown[] = [];
    const capture = (message: string, fields?: Record<string, unknown>) => void lines.push({ message, fields });
    const logger: Logger = { debug: capture, info: capture, warn: capture, error: capture };
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor: new Redactor([]), logger, baseUrlOverride: server.url, ...fast });

    const error = await http.get('tickets.json').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).platformMessage).toBe('token [redacted] lacks scope');
    expect(lines.length).toBeGreaterThan(0);
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
    expect(String((error as Error).message)).not.toContain(TOKEN);
  });

  it('redacts the token echoed back in another letter case, in errors and logs', async () => {
    const upper = TOKEN.toUpperCase();
    let calls = 0;
    const { server } = await recordingServer(() =>
      ++calls === 1 ? { status: 503, body: { message: `token ${upper} throttled` } } : { status: 403, body: { error: `TOKEN ${upper} LACKS SCOPE` } },
    );
    const lines: unknown[] = [];
    const capture = (message: string, fields?: Record<string, unknown>) => void lines.push({ message, fields });
    const logger: Logger = { debug: capture, info: capture, warn: capture, error: capture };
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, logger, baseUrlOverride: server.url, ...fast });

    const error = await http.get('tickets.json').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).platformMessage).toBe('TOKEN [redacted] LACKS SCOPE');
    expect(lines.length).toBeGreaterThan(0);
    const everything = `${(error as Error).message} ${JSON.stringify(error)} ${JSON.stringify(lines)}`;
    expect(everything).toContain('throttled');
    expect(everything.toLowerCase()).not.toContain(TOKEN.toLowerCase());
  });

  it('redacts a network failure and its cause', async () => {
    const { server } = await recordingServer(() => ({ status: 200 }));
    const closed = server.url;
    await closeServers();
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: closed, retries: 0 });

    const error = await http.get('tickets.json', { searchParams: { api_key: TOKEN } }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    const transient = error as TransientError;
    expect(transient.request).toBe('GET /api/v2/tickets.json');
    expect(transient.cause).toBeInstanceOf(Error);
    expect((transient.cause as Error & { code?: string }).code).toBe('ECONNREFUSED');
    expect(`${transient.message} ${(transient.cause as Error).message} ${JSON.stringify(transient)}`).not.toContain(TOKEN);
  });
});
