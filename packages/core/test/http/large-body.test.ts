import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/http/create-http-client.js';
import { closeServers, fast, recordingServer, redactor, streamBody, zendeskLikeConfig } from './helpers.js';

// One 200 MB exchange, alone in its file so the other suites do not wait behind it.
afterEach(closeServers);

const MiB = 1024 * 1024;

describe('createHttpClient: a large page under the cap', () => {
  it('reads a 200 MB streamed page when maxResponseBytes is 256 MiB', async () => {
    // 2000 tickets of ~100 kB each, generated as the server writes them, never held whole on the server side. The
    // server shares the test's event loop with the client, so the big description is encoded once, not per ticket.
    const description = 'd'.repeat(100 * 1024);
    const descriptionBytes = Buffer.from(`${description}"}`);
    const tickets = 2000;
    const pieces = function* () {
      yield Buffer.from('{"tickets":[');
      for (let id = 1; id <= tickets; id++) {
        yield Buffer.from(`${id > 1 ? ',' : ''}{"id":${id},"description":"`);
        yield descriptionBytes;
      }
      yield Buffer.from('],"next_cursor":null}');
    };
    const { server } = await recordingServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const body = pieces();
      streamBody(res, () => body.next().value ?? undefined);
      return undefined;
    });
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url, maxResponseBytes: 256 * MiB, timeoutMs: 20_000, ...fast });

    const page = await http.get<{ tickets: Array<{ id: number; description: string }>; next_cursor: null }>('tickets.json');

    expect(page.tickets).toHaveLength(tickets);
    expect(page.tickets[tickets - 1]).toEqual({ id: tickets, description });
    expect(page.next_cursor).toBeNull();
  });
});
