import { afterEach, describe, expect, it } from 'vitest';
import {
  AbortedError,
  ConfigError,
  CredentialsError,
  createHub,
  HttpError,
  MemoryStore,
  PageLimitError,
  PermanentError,
  RateLimitError,
  ResponseShapeError,
  ResponseTooLargeError,
  StuckCursorError,
  TicketbridgeError,
  TransientError,
  type TicketEvent,
} from '../src/index.js';
import { TEST_HUB_DEFAULTS, waitFor } from '../src/testing.js';
import { GOOD_TOKEN, MemDesk, memConnector } from './mem-connector.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('isInstance', () => {
  const samples = {
    TicketbridgeError: new TicketbridgeError('internal' as never, 'x'),
    HttpError: new HttpError('permanent', 'x'),
    CredentialsError: new CredentialsError('x', { field: 'apiToken' }),
    RateLimitError: new RateLimitError('x'),
    TransientError: new TransientError('x'),
    PermanentError: new PermanentError('x'),
    ResponseShapeError: new ResponseShapeError('x'),
    ResponseTooLargeError: new ResponseTooLargeError('x', { limitBytes: 1 }),
    ConfigError: new ConfigError('x'),
    StuckCursorError: new StuckCursorError('x', { cursor: '"c"' }),
    PageLimitError: new PageLimitError('x', { limit: 1 }),
    AbortedError: new AbortedError('x', { reason: 'closed' }),
  };
  const classes = { TicketbridgeError, HttpError, CredentialsError, RateLimitError, TransientError, PermanentError, ResponseShapeError, ResponseTooLargeError, ConfigError, StuckCursorError, PageLimitError, AbortedError };

  it('is true for the class and its subclasses only, as instanceof would be', () => {
    for (const [className, cls] of Object.entries(classes)) {
      for (const [sampleName, sample] of Object.entries(samples)) {
        expect(cls.isInstance(sample), `${className}.isInstance(new ${sampleName}())`).toBe(sample instanceof cls);
      }
    }
    expect(HttpError.isInstance(new ConfigError('x'))).toBe(false);
    expect(TicketbridgeError.isInstance(new Error('x'))).toBe(false);
    expect(TicketbridgeError.isInstance(null)).toBe(false);
  });

  it('recognizes an error made by another copy of core (a plugin that bundles its own), where instanceof cannot', () => {
    // What another copy's TransientError carries: the same Symbol.for markers, a different class identity.
    const foreign = Object.assign(new Error('from another copy'), {
      [Symbol.for('ticketbridge.error')]: true,
      [Symbol.for('ticketbridge.error.HttpError')]: true,
      [Symbol.for('ticketbridge.error.TransientError')]: true,
    });
    expect(foreign instanceof TransientError).toBe(false);
    expect(TransientError.isInstance(foreign)).toBe(true);
    expect(HttpError.isInstance(foreign)).toBe(true);
    expect(CredentialsError.isInstance(foreign)).toBe(false);
  });
});

describe('AbortedError', () => {
  it('is what a run paused mid-page records: code aborted, no retry, the connection not marked in error', async () => {
    const desk = new MemDesk();
    desk.add(40);
    const hub = createHub({ connectors: [memConnector(desk)], store: new MemoryStore(), ...TEST_HUB_DEFAULTS });
    cleanups.push(() => hub.close());
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const seen: TicketEvent[] = [];
    hub.on('ticket', async (e) => {
      seen.push(e);
      if (seen.length === 15) await held;
    });
    const conn = await hub.connect({ platform: 'memdesk', credentials: { subdomain: 'acme', apiToken: GOOD_TOKEN }, syncMode: 'poll' });
    const run = hub.syncNow(conn.id);
    await waitFor(() => seen.length === 15, 5_000, 'mid-page');
    const paused = hub.pause(conn.id);
    release();
    await paused;
    const record = await run;
    expect(record).toMatchObject({ status: 'failed', note: 'aborted', errors: [{ code: 'aborted', message: expect.stringContaining('paused') }] });
    expect(record.nextRetryAt).toBeUndefined();
    expect((await hub.get(conn.id))!.status).toBe('paused');
  });
});
