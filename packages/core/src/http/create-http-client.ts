import { constants as bufferConstants } from 'node:buffer';
import { STATUS_CODES } from 'node:http';
import type { HttpBodyOptions, HttpClient, HttpRequestOptions, HttpResponse, SearchParams } from '../connector/http-client.js';
import { surelyConforms } from './conforms.js';
import type { HttpConfig, RateLimitState } from '../connector/http-config.js';
import type { Redactor } from '../credentials/redact.js';
import { ConfigError } from '../errors/config-error.js';
import { CredentialsError } from '../errors/credentials-error.js';
import type { HttpError, HttpErrorOptions } from '../errors/http-error.js';
import { PermanentError } from '../errors/permanent-error.js';
import { RateLimitError } from '../errors/rate-limit-error.js';
import { ResponseShapeError } from '../errors/response-shape-error.js';
import { ResponseTooLargeError } from '../errors/response-too-large-error.js';
import { TicketbridgeError } from '../errors/ticketbridge-error.js';
import { TransientError } from '../errors/transient-error.js';
import { type Logger, silentLogger } from '../util/logger.js';
import { onAbort } from '../util/on-abort.js';
import { parseRetryAfter, RateLimiter, readRateLimitHeaders } from './rate-limit.js';
import { backoffDelay, retryWithBackoff } from './retry.js';

/**
 * Callbacks through which the sync engine counts what the HTTP layer did, for sync history and `rateLimited`
 * events. Every callback is optional and must not throw.
 */
export interface HttpObserver {
  /** A request is about to go on the wire (every attempt, re-send and redirect hop counts). */
  onRequest?(info: { method: string; path: string }): void;
  /**
   * The platform rate-limited us: a 429 (`status: 429`) or a response saying no requests are left in the window
   * (`status` undefined). `waitMs` is how long the bucket is paused.
   */
  onRateLimited?(info: { waitMs: number; status?: number; bucket: string }): void;
  /** A request actually waited this long for a paused bucket. */
  onRateLimitWait?(ms: number): void;
  /** A transient failure will be retried after `delayMs`; `attempt` is the attempt that failed, from 1. */
  onRetry?(info: { attempt: number; delayMs: number; error: HttpError }): void;
}

/**
 * A credential that changes during a connection's life (an OAuth access token), supplied per request instead of in
 * `HttpConfig.headers`. The core's OAuth session implements it; connectors never do.
 */
export interface HttpAuth {
  /** Headers carrying the current credential, fresh before every attempt (a token about to expire is refreshed first). */
  headers(signal?: AbortSignal): Promise<Record<string, string>>;
  /**
   * The platform answered 401 to a request sent with `used`. Resolves true when a newer credential is ready and the
   * request should be sent once more; false (or a thrown `CredentialsError`) when there is none.
   */
  rejected(used: Record<string, string>, signal?: AbortSignal): Promise<boolean>;
}

/** Options of the HTTP client the core builds per connection: what the core decides, beyond the connector's config. */
export interface HttpClientOptions {
  /** Connector id, used as the error prefix (`[ticketbridge] [zendesk] ...`) and on `error.platform`. */
  platform: string;
  /** Hides the connection's secrets in every error message, cause and log line the client writes. */
  redactor: Redactor;
  /** Where retries and rate-limit waits are logged (debug/warn). The client writes only redacted values to it. */
  logger?: Logger;
  /** Aborts in-flight requests and every wait; requests then reject with the signal's reason. */
  signal?: AbortSignal;
  /** Time allowed for one attempt, headers and body, in milliseconds. Default 30 000. */
  timeoutMs?: number;
  /**
   * Largest response body read, in bytes. Default {@link DEFAULT_MAX_RESPONSE_BYTES} (64 MiB). A body that declares
   * more in `content-length` fails before any of it is read; one that grows past it while being read is cut off
   * and its connection closed; both throw `ResponseTooLargeError`, which is not retried.
   *
   * This is the hub-wide default (`createHub({ http: { maxResponseBytes } })`). Precedence, highest first: the
   * request's `HttpRequestOptions.maxResponseBytes`, the connector's `HttpConfig.maxResponseBytes`, this option,
   * the default. At most `buffer.constants.MAX_STRING_LENGTH` (about 512 MiB on 64-bit Node), the longest text
   * the runtime can decode; an invalid value throws `ConfigError`.
   */
  maxResponseBytes?: number;
  /** Retries of a transient failure after the first attempt. Default 4. */
  retries?: number;
  /** Smallest back-off between retries, in milliseconds. Default 500 (tests set a few ms). */
  minRetryDelayMs?: number;
  /** Largest back-off between retries, in milliseconds. Default 30 000. */
  maxRetryDelayMs?: number;
  /**
   * Longest total time one request may wait on rate limits, in milliseconds. Default 15 minutes. Beyond it the
   * client throws `RateLimitError` with `retryAfterMs`, so the engine reschedules the run rather than holding a
   * worker (and the connection's lock) for an hour-long window.
   */
  maxRateLimitWaitMs?: number;
  /**
   * Replaces the scheme, host and port of `config.baseUrl` (simulators in tests, egress proxies) while keeping its
   * path; a path on the override is put in front of it. The connector still builds `baseUrl` from validated
   * credentials, so only the host application can redirect traffic.
   */
  baseUrlOverride?: string;
  /** Counts requests, rate limits and retries (the sync engine's history uses it). */
  observer?: HttpObserver;
  /** Per-request credentials (OAuth); each value is added to the redactor before it is sent. */
  auth?: HttpAuth;
  /** Clock for `Retry-After` dates and bucket pauses; defaults to `Date.now`. */
  now?: () => number;
  /**
   * The bucket pauses this client honours and updates, shared with the other clients of the same connection (the
   * hub passes one per connection: a poll and the webhook hydrations running beside it answer to one rate limit).
   * Default: a limiter of this client's own.
   */
  rateLimiter?: RateLimiter;
}

/**
 * Bytes of response body the client reads when neither the request, the connector nor the hub sets
 * `maxResponseBytes`: 64 MiB, well above any platform's page and far below what takes a process down.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** At most this many 429s in a row are answered by waiting and re-sending; then the engine takes over. */
const MAX_CONSECUTIVE_429 = 10;
/** Same-origin redirects followed by hand (e.g. a trailing-slash or renamed-endpoint 301). */
const MAX_REDIRECTS = 3;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const TRANSIENT_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);
/** Network failures that happen before a byte of the request was sent, so even a POST may be re-sent. */
const UNSENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);
/** Errors raised before the request reached the platform; only these make a non-idempotent request retryable. */
const unsent = new WeakSet<object>();

/** A response fully read off the wire, before classification. */
interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  url: URL;
}

/** Per-call facts shared by every attempt of one `request()`. */
interface Call {
  method: NonNullable<HttpRequestOptions['method']>;
  url: URL;
  label: string;
  bucket: string;
  idempotent: boolean;
  options: HttpRequestOptions<unknown>;
  /** Body bytes this call may read (request, connector, client option, default: the first one set). */
  maxResponseBytes: number;
  /** Rate-limit waiting already spent by this call, against `maxRateLimitWaitMs`. */
  waitedMs: number;
  /** The auth headers of the last attempt, to tell the auth source which credential a 401 refused. */
  authUsed?: Record<string, string>;
}

/**
 * Creates the HTTP client a connector receives as `ctx.http`: base URL, auth headers, JSON, error classification,
 * retries with back-off, rate-limit pauses and same-host redirects, so connectors only name endpoints.
 *
 * Errors are classified once, here: 401 → `CredentialsError` naming `config.authField`; other 4xx →
 * `PermanentError`; 408/425/5xx/network failures/timeouts/truncated bodies → `TransientError` (retried when the
 * request is idempotent); 429 → waited out and re-sent, or `RateLimitError` past `maxRateLimitWaitMs`. Every
 * message goes through the redactor, and the auth headers never leave the base URL's origin.
 *
 * @example
 * const http = createHttpClient(
 *   { baseUrl: 'https://acme.zendesk.com/api/v2', headers: { Authorization: 'Basic ...' }, authField: 'apiToken' },
 *   { platform: 'zendesk', redactor },
 * );
 * const me = await http.get('users/me.json', { schema: meSchema });
 */
export function createHttpClient(config: HttpConfig, options: HttpClientOptions): HttpClient {
  const platform = options.platform;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retries = options.retries ?? 4;
  const minDelay = options.minRetryDelayMs ?? 500;
  const maxDelay = options.maxRetryDelayMs ?? 30_000;
  const maxRateLimitWaitMs = options.maxRateLimitWaitMs ?? 15 * 60_000;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const signal = options.signal;
  const limiter = options.rateLimiter ?? new RateLimiter({ now });
  const base = resolveBase(config.baseUrl, options.baseUrlOverride, platform);
  const maxResponseBytes =
    checkMaxResponseBytes(config.maxResponseBytes, 'HttpConfig.maxResponseBytes', platform) ??
    checkMaxResponseBytes(options.maxResponseBytes, 'maxResponseBytes', platform) ??
    DEFAULT_MAX_RESPONSE_BYTES;
  // Header values are credentials (HttpConfig says so); hide them and their bare token part even if the caller's
  // redactor was built without them. The caller's redactor learns them too: its logger and history share it.
  const redactor = options.redactor;
  const hideHeaderValues = (headers: Record<string, string>) =>
    redactor.add(
      Object.values(headers).flatMap((value) => {
        const space = value.indexOf(' ');
        return space > 0 ? [value, value.slice(space + 1)] : [value];
      }),
    );
  hideHeaderValues(config.headers);
  const auth = options.auth;

  const observer = guardObserver(options.observer, (name, error) =>
    logger.warn(`http observer ${name} threw; ignored`, { error: redactor.string(error instanceof Error ? error.message : String(error)) }),
  );

  const errorOptions = (call: Call, extra: HttpErrorOptions = {}): HttpErrorOptions => ({
    platform,
    request: call.label,
    ...extra,
    ...(extra.platformMessage === undefined ? {} : { platformMessage: redactor.string(extra.platformMessage) }),
  });

  // The headers every request of this client sends, merged once (lower-case names, so a later source replaces an
  // earlier one whatever its letter case); a request with headers of its own copies them.
  const fixedHeaders: Record<string, string> = { accept: 'application/json' };
  mergeHeaders(fixedHeaders, config.publicHeaders);
  mergeHeaders(fixedHeaders, config.headers);

  /** Sends once and reads the whole body, so a reset mid-body is classified like any network failure. */
  async function sendOnce(call: Call, url: URL, method: string, withBody: boolean): Promise<RawResponse> {
    signal?.throwIfAborted();
    observer.onRequest({ method, path: url.pathname });
    let headers = fixedHeaders;
    if (auth) {
      const current = await auth.headers(signal);
      hideHeaderValues(current);
      call.authUsed = current;
      headers = mergeHeaders({ ...headers }, current);
    }
    if (call.options.headers) headers = mergeHeaders(headers === fixedHeaders ? { ...headers } : headers, call.options.headers);
    let body: string | URLSearchParams | undefined;
    if (withBody && call.options.json !== undefined) {
      body = JSON.stringify(call.options.json);
      if (headers['content-type'] === undefined) headers = { ...headers, 'content-type': 'application/json' };
    } else if (withBody && call.options.form) body = new URLSearchParams(call.options.form);
    const attemptTimeout = call.options.timeoutMs ?? timeoutMs;
    // One signal per attempt, for fetch and the body read alike: the timer bounds the whole attempt, and the client's
    // signal reaches it through onAbort (one listener on that signal for all requests, no AbortSignal.any per request).
    const attemptAbort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      attemptAbort.abort(new TimeoutMarker());
    }, Math.min(attemptTimeout, MAX_TIMER_MS));
    const unfollow = signal ? onAbort(signal, () => attemptAbort.abort(signal.reason)) : undefined;
    try {
      const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }), redirect: 'manual', signal: attemptAbort.signal });
      const text = await readBody(response, call.maxResponseBytes, (declared) => {
        const size = declared === undefined ? `a body over ${call.maxResponseBytes} bytes` : `a body of ${declared} bytes (content-length), over ${call.maxResponseBytes}`;
        const outcome = declared === undefined ? 'stopped reading' : 'not read';
        return new ResponseTooLargeError(`${call.label} answered ${response.status} with ${size} (maxResponseBytes); ${outcome}`, {
          ...errorOptions(call, { status: response.status }),
          limitBytes: call.maxResponseBytes,
        });
      });
      return { status: response.status, headers: response.headers, text, url };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw networkError(call, error, attemptTimeout, timedOut);
    } finally {
      clearTimeout(timer);
      unfollow?.();
    }
  }

  function networkError(call: Call, error: unknown, attemptTimeout: number, timedOut: boolean): TicketbridgeError {
    if (TicketbridgeError.isInstance(error)) return error;
    if (timedOut) {
      return new TransientError(`${call.label} timed out after ${attemptTimeout} ms`, errorOptions(call, { cause: safeCause(error, redactor) }));
    }
    const code = errorCode(error);
    const detail = describeNetworkFailure(error);
    if (!isNetworkFailure(error, code)) {
      // fetch refused to build the request (a GET with a body, an invalid header value): a bug, not an outage.
      return new PermanentError(redactor.string(`${call.label} could not be sent: ${detail}`), errorOptions(call, { cause: safeCause(error, redactor) }));
    }
    const failure = new TransientError(
      redactor.string(`${call.label} failed: ${detail}${code ? ` (${code})` : ''}`),
      errorOptions(call, { cause: safeCause(error, redactor) }),
    );
    if (code && UNSENT_CODES.has(code)) unsent.add(failure);
    return failure;
  }

  /** Sends, following same-origin redirects by hand so credentials never reach another host. */
  async function sendFollowingRedirects(call: Call): Promise<RawResponse> {
    let url = call.url;
    let method: string = call.method;
    let withBody = true;
    for (let hops = 0; ; hops++) {
      const raw = await sendOnce(call, url, method, withBody);
      const location = raw.headers.get('location');
      if (!REDIRECT_STATUSES.has(raw.status) || !location || call.options.acceptStatus?.includes(raw.status)) return raw;
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new PermanentError(`${call.label} answered ${raw.status} with an invalid Location`, errorOptions(call, { status: raw.status }));
      }
      if (next.origin !== base.origin) {
        throw new PermanentError(
          redactor.string(`${call.label} answered ${raw.status}: refused redirect to another host (${next.host}); credentials are only sent to ${base.host}`),
          errorOptions(call, { status: raw.status }),
        );
      }
      if (hops >= MAX_REDIRECTS) {
        throw new PermanentError(`${call.label}: more than ${MAX_REDIRECTS} redirects`, errorOptions(call, { status: raw.status }));
      }
      // As fetch does: 303 always, and 301/302 after a POST, continue as a GET without the body.
      if (raw.status === 303 || ((raw.status === 301 || raw.status === 302) && method === 'POST')) {
        method = 'GET';
        withBody = false;
      }
      url = next;
    }
  }

  /** One attempt as the retry layer sees it: rate-limit pauses and 429s are waited out inside it. */
  async function attempt(call: Call): Promise<RawResponse> {
    let consecutive429 = 0;
    let last429: RawResponse | undefined;
    for (;;) {
      const pause = limiter.waitFor(call.bucket);
      if (pause > 0) {
        if (call.waitedMs + pause > maxRateLimitWaitMs) throw rateLimitError(call, pause, last429);
        logger.debug('waiting for rate limit', { request: call.label, bucket: call.bucket, waitMs: pause });
        const waited = await limiter.acquire(call.bucket, signal);
        call.waitedMs += waited;
        observer.onRateLimitWait(waited);
      }
      const raw = await sendFollowingRedirects(call);
      const state = readRateLimit(raw.headers, call.bucket);
      if (raw.status !== 429 || call.options.acceptStatus?.includes(429)) {
        const began = limiter.update(call.bucket, state);
        if (began > 0) {
          observer.onRateLimited({ waitMs: began, bucket: call.bucket });
          logger.debug('rate-limit window exhausted; pausing bucket', { bucket: call.bucket, waitMs: began });
        }
        return raw;
      }
      consecutive429++;
      last429 = raw;
      const waitMs =
        parseRetryAfter(raw.headers.get('retry-after'), now()) ??
        (state.resetAfterMs !== undefined && state.resetAfterMs > 0 ? state.resetAfterMs : undefined) ??
        backoffDelay(consecutive429, minDelay, maxDelay);
      if (consecutive429 > MAX_CONSECUTIVE_429) throw rateLimitError(call, waitMs, raw, `still rate-limited after ${MAX_CONSECUTIVE_429} re-sends`);
      if (call.waitedMs + waitMs > maxRateLimitWaitMs) throw rateLimitError(call, waitMs, raw);
      observer.onRateLimited({ waitMs, status: 429, bucket: call.bucket });
      logger.warn('rate limited (429); waiting before re-sending', { request: call.label, bucket: call.bucket, waitMs });
      if (waitMs > 0) limiter.pause(call.bucket, waitMs);
    }
  }

  function readRateLimit(headers: Headers, bucket: string): RateLimitState {
    if (!config.rateLimit) return {};
    try {
      return readRateLimitHeaders(config.rateLimit, headers, bucket, now());
    } catch {
      // Rate-limit bookkeeping must never turn a good response into a failure (a malformed declaration included).
      return {};
    }
  }

  function rateLimitError(call: Call, retryAfterMs: number, raw: RawResponse | undefined, why?: string): RateLimitError {
    const platformMessage = raw ? extractMessage(raw) : undefined;
    const reason = why ?? `rate limit wait of ${retryAfterMs} ms exceeds the ${maxRateLimitWaitMs} ms allowed`;
    return new RateLimitError(
      redactor.string(`${call.label}: ${reason}${platformMessage ? `: ${platformMessage}` : ''}`),
      errorOptions(call, { ...(raw ? { status: raw.status } : {}), retryAfterMs, ...(platformMessage ? { platformMessage } : {}) }),
    );
  }

  function extractMessage(raw: RawResponse): string | undefined {
    const body = parseJson(raw.text);
    const fromConfig = body.ok ? safeCall(() => config.errorMessage?.(body.value, raw.status)) : undefined;
    const message = fromConfig ?? (body.ok ? commonMessage(body.value) : plainMessage(raw));
    return message === undefined ? undefined : redactor.string(message);
  }

  /**
   * Turns a final response into a success, an accepted status, or a classified error. Only a 2xx body is the
   * resource `schema` describes; an accepted error status keeps its body as parsed JSON, unvalidated.
   */
  function settle<T>(call: Call, raw: RawResponse): HttpResponse<T> {
    const success = raw.status >= 200 && raw.status < 300;
    if (!success && !call.options.acceptStatus?.includes(raw.status)) throw statusError(call, raw);
    const parsed = parseJson(raw.text);
    if (!success) return { ok: false, status: raw.status, headers: raw.headers, data: parsed.ok ? parsed.value : undefined, url: raw.url.toString() };
    if (!parsed.ok) {
      const type = raw.headers.get('content-type') ?? 'no content-type';
      const message = `${call.label} answered ${raw.status} with a body that is not valid JSON (${raw.text.length} chars, ${type}); it may have been truncated`;
      if (call.idempotent) throw new TransientError(message, errorOptions(call, { status: raw.status }));
      throw new ResponseShapeError(message, errorOptions(call, { status: raw.status }));
    }
    let data = parsed.value;
    // keepBody discards zod's output anyway: a body that surely conforms needs no zod run at all.
    if (call.options.schema && !(call.options.keepBody && surelyConforms(call.options.schema, data))) {
      const result = call.options.schema.safeParse(data);
      if (!result.success) {
        const issues = result.error.issues.map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : '(root)'} (${issue.code})`);
        const shown = issues.slice(0, 10).join(', ') + (issues.length > 10 ? `, and ${issues.length - 10} more` : '');
        throw new ResponseShapeError(`${call.label} answered ${raw.status} with an unexpected shape at: ${shown}`, {
          ...errorOptions(call, { status: raw.status }),
          issues,
        });
      }
      // keepBody: the schema checked the body; the body itself (every field, no copy) is what the caller gets.
      if (!call.options.keepBody) data = result.data;
    }
    return { ok: true, status: raw.status, headers: raw.headers, data: data as T, url: raw.url.toString() };
  }

  function statusError(call: Call, raw: RawResponse): HttpError {
    const platformMessage = extractMessage(raw);
    const status = raw.status;
    const message = redactor.string(`${call.label} answered ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd() + (platformMessage ? `: ${platformMessage}` : ''));
    const base: HttpErrorOptions = errorOptions(call, { status, ...(platformMessage ? { platformMessage } : {}) });
    if (status === 401) return new CredentialsError(message, { ...base, ...(config.authField ? { field: config.authField } : {}) });
    if (TRANSIENT_STATUSES.has(status) || status >= 500) {
      const retryAfterMs = parseRetryAfter(raw.headers.get('retry-after'), now());
      return new TransientError(message, { ...base, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
    }
    return new PermanentError(message, base);
  }

  async function request<T = unknown>(path: string, requestOptions: HttpRequestOptions<T> = {}): Promise<HttpResponse<T>> {
    const method = requestOptions.method ?? 'GET';
    const url = resolveUrl(base, path, requestOptions.searchParams, platform, redactor);
    const callMaxResponseBytes = checkMaxResponseBytes(requestOptions.maxResponseBytes, 'HttpRequestOptions.maxResponseBytes', platform) ?? maxResponseBytes;
    const call: Call = {
      method,
      url,
      label: `${method} ${url.pathname}`,
      bucket: requestOptions.bucket ?? 'default',
      idempotent: requestOptions.idempotent ?? (method === 'GET' || method === 'PUT' || method === 'DELETE'),
      options: requestOptions as HttpRequestOptions<unknown>,
      maxResponseBytes: callMaxResponseBytes,
      waitedMs: 0,
    };
    const send = () => retryWithBackoff(async () => settle<T>(call, await attempt(call)), {
      retries,
      minDelayMs: minDelay,
      maxDelayMs: maxDelay,
      ...(signal ? { signal } : {}),
      shouldRetry: (error) => {
        if (!TransientError.isInstance(error)) return false;
        if (!call.idempotent && !unsent.has(error)) return false;
        // A 503 asking for longer than we may block is handed to the engine, like a long 429.
        return error.retryAfterMs === undefined || error.retryAfterMs <= maxRateLimitWaitMs;
      },
      delayFor: (error) => (TransientError.isInstance(error) ? error.retryAfterMs : undefined),
      onRetry: ({ attempt: n, delayMs, error }) => {
        const httpError = error as TransientError;
        logger.warn('transient failure; retrying', { request: call.label, attempt: n, delayMs, error: redactor.error(httpError) });
        observer.onRetry({ attempt: n, delayMs, error: httpError });
      },
    });
    try {
      return await send();
    } catch (error) {
      // One more try with a new credential when the platform refused the one sent (an access token that expired
      // early or was revoked and re-issued); once per request, so a refused token can never loop.
      if (!auth || !call.authUsed || !CredentialsError.isInstance(error) || error.status !== 401) throw error;
      if (!(await auth.rejected(call.authUsed, signal))) throw error;
      logger.debug('credential refused (401); retrying once with a new one', { request: call.label });
      return await send();
    }
  }

  /** The body of a success; `acceptStatus` is dropped even from untyped callers, so `T` is never an error body. */
  async function successBody<T>(path: string, options: HttpBodyOptions<T>, method: 'GET' | 'POST'): Promise<T> {
    const { acceptStatus: _ignored, ...rest } = options as HttpRequestOptions<T>;
    const response = await request<T>(path, { ...rest, method });
    return response.data as T;
  }

  return {
    baseUrl: base.toString(),
    request: request as HttpClient['request'],
    get: (path, getOptions = {}) => successBody(path, getOptions, 'GET'),
    post: (path, postOptions = {}) => successBody(path, postOptions, 'POST'),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Internal helpers

/** An observer whose callbacks cannot fail a request: counting is bookkeeping, the request is the work. */
function guardObserver(observer: HttpObserver | undefined, onError: (name: keyof HttpObserver, error: unknown) => void): Required<HttpObserver> {
  const guard =
    <A extends unknown[]>(name: keyof HttpObserver, fn: ((...args: A) => void) | undefined) =>
    (...args: A): void => {
      if (!fn) return;
      try {
        fn.apply(observer, args);
      } catch (error) {
        onError(name, error);
      }
    };
  return {
    onRequest: guard('onRequest', observer?.onRequest),
    onRateLimited: guard('onRateLimited', observer?.onRateLimited),
    onRateLimitWait: guard('onRateLimitWait', observer?.onRateLimitWait),
    onRetry: guard('onRetry', observer?.onRetry),
  };
}

/** Longest delay `setTimeout` keeps (about 24.8 days); a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Copies `source`'s headers into `target` under lower-case names (fetch's names are case-insensitive), and returns it. */
function mergeHeaders(target: Record<string, string>, source: Record<string, string> | undefined): Record<string, string> {
  if (source) for (const name of Object.keys(source)) target[name.toLowerCase()] = source[name]!;
  return target;
}

/** Abort reason of the per-attempt deadline, to tell our timeout from the caller's abort. */
class TimeoutMarker extends Error {
  constructor() {
    super('attempt deadline');
    this.name = 'TimeoutMarker';
  }
}

function resolveBase(baseUrl: string, override: string | undefined, platform: string): URL {
  const parse = (value: string, field: string): URL => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new ConfigError(`${field} is not an absolute URL`, { platform, field });
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(`${field} must be http(s)`, { platform, field });
    if (url.username || url.password) throw new ConfigError(`${field} must not carry credentials`, { platform, field });
    return url;
  };
  const base = parse(baseUrl, 'baseUrl');
  base.search = '';
  base.hash = '';
  if (override !== undefined) {
    const origin = parse(override, 'baseUrlOverride');
    const prefix = origin.pathname.replace(/\/+$/, '');
    base.protocol = origin.protocol;
    base.host = origin.host;
    base.pathname = prefix + base.pathname;
  }
  // A trailing slash makes relative paths extend the base path instead of replacing its last segment.
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return base;
}

function resolveUrl(base: URL, path: string, searchParams: SearchParams | undefined, platform: string, redactor: Redactor): URL {
  let url: URL;
  // Absolute (`https://...`) or scheme-relative (`//host/...`): platforms hand these out as next-page links.
  if (/^[a-z][a-z\d+.-]*:/i.test(path) || path.startsWith('//')) {
    try {
      url = new URL(path, base);
    } catch {
      throw new ConfigError(redactor.string(`invalid URL ${JSON.stringify(path)}`), { platform });
    }
    if (url.origin !== base.origin) {
      throw new ConfigError(`refused to send a request to ${url.origin}: only ${base.origin} receives this connection's credentials`, { platform });
    }
  } else {
    url = new URL(path.replace(/^\/+/, ''), base);
    if (url.origin !== base.origin) throw new ConfigError(redactor.string(`path ${JSON.stringify(path)} leaves ${base.origin}`), { platform });
  }
  if (searchParams) {
    // Collected apart and written once: each url.searchParams.append re-serializes the whole query into the URL.
    let query: URLSearchParams | undefined;
    for (const key of Object.keys(searchParams)) {
      const value = searchParams[key];
      if (value === undefined) continue;
      query ??= new URLSearchParams(url.search);
      if (Array.isArray(value)) for (const item of value) query.append(key, String(item));
      else query.append(key, String(value));
    }
    if (query) url.search = query.toString();
  }
  return url;
}

/** The longest string `Buffer#toString` can return; a larger cap could never be decoded anyway. */
const MAX_DECODABLE_BYTES = bufferConstants.MAX_STRING_LENGTH;

function checkMaxResponseBytes(value: number | undefined, field: string, platform: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_DECODABLE_BYTES) {
    throw new ConfigError(`${field} must be a whole number of bytes from 1 to ${MAX_DECODABLE_BYTES}, got ${String(value)}`, { platform, field });
  }
  return value;
}

/**
 * Reads a body as UTF-8 (a leading BOM dropped, as `Response#text` does) without ever holding more than `limit`
 * bytes of it: a body still growing at the cap is cancelled, which closes the connection instead of draining it.
 * `tooLarge` builds the error, with the declared length when `content-length` already says too much.
 */
async function readBody(response: Response, limit: number, tooLarge: (declared: number | undefined) => Error): Promise<string> {
  const body = response.body;
  if (!body) return '';
  const lengthHeader = response.headers.get('content-length');
  const declared = lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
  if (declared !== undefined && declared > limit) {
    void body.cancel().catch(() => undefined);
    throw tooLarge(declared);
  }
  // content-length counts the bytes on the wire; only when they are not compressed is it the size read here, and
  // then one buffer of that size is filled in place, so Buffer.concat need not copy the whole body a second time.
  const encoding = response.headers.get('content-encoding');
  let exact = declared !== undefined && (encoding === null || encoding === 'identity') ? Buffer.allocUnsafe(declared) : undefined;
  const chunks: Buffer[] = [];
  let received = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > limit) {
      // Not awaited: the cancel only has to start closing the socket, and the error must not wait on it.
      void reader.cancel().catch(() => undefined);
      throw tooLarge(undefined);
    }
    if (exact && received <= exact.length) {
      exact.set(value, received - value.byteLength);
      continue;
    }
    // More than content-length announced (the HTTP parser should prevent it): keep what was filled, go on in chunks.
    if (exact) chunks.push(exact.subarray(0, received - value.byteLength));
    exact = undefined;
    chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  const bytes = exact ? exact.subarray(0, received) : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return bytes.toString('utf8', bom ? 3 : 0);
}

type Parsed = { ok: true; value: unknown } | { ok: false };

function parseJson(text: string): Parsed {
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function safeCall<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

/** The message fields most platforms use: `error`, `message`, `errors[0].message`, `description`. */
function commonMessage(body: unknown): string | undefined {
  if (!isRecord(body)) return typeof body === 'string' && body.trim() ? body.trim().slice(0, 500) : undefined;
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value.trim().slice(0, 500) : undefined);
  const { error, message, errors, description } = body;
  const fromError = text(error) ?? (isRecord(error) ? (text(error.message) ?? text(error.title)) : undefined);
  let fromErrors: string | undefined;
  if (Array.isArray(errors) && errors.length > 0) {
    const first: unknown = errors[0];
    fromErrors = isRecord(first) ? text(first.message) : text(first);
  }
  const fromDescription = text(description) ?? (isRecord(description) ? text(description.message) : undefined);
  // `error` is often a short code (`invalid_token`) next to a sentence; show both when both exist.
  const sentence = text(message) ?? fromErrors ?? fromDescription;
  if (fromError && sentence && fromError !== sentence) return `${fromError}: ${sentence}`;
  return fromError ?? sentence;
}

/** A short plain-text body (a gateway's `Unauthorized`) is still the platform's message; HTML pages are not. */
function plainMessage(raw: RawResponse): string | undefined {
  const type = raw.headers.get('content-type') ?? '';
  const text = raw.text.trim();
  if (!text || /html|xml/i.test(type) || text.startsWith('<')) return undefined;
  return text.slice(0, 300);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; isObject(e) && depth < 4; e = e.cause, depth++) {
    if (typeof e.code === 'string') return e.code;
  }
  return undefined;
}

function describeNetworkFailure(error: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = error, depth = 0; isObject(e) && depth < 4; e = e.cause, depth++) {
    if (typeof e.message === 'string' && e.message) messages.push(e.message);
  }
  if (messages[0] === 'terminated') return `connection closed before the response was complete (${messages.slice(1).join(': ') || 'terminated'})`;
  return messages.join(': ') || String(error);
}

/** undici reports network failures as `TypeError: fetch failed` (before the response) or `terminated` (mid-body). */
function isNetworkFailure(error: unknown, code: string | undefined): boolean {
  if (code && /^(?:E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) return true;
  const message = isObject(error) && typeof error.message === 'string' ? error.message : '';
  return message === 'fetch failed' || message === 'terminated';
}

function isObject(value: unknown): value is { cause?: unknown; code?: unknown; message?: unknown } {
  return typeof value === 'object' && value !== null;
}

/** A copy of a low-level error with its message redacted, so `cause` can be attached without leaking secrets. */
function safeCause(error: unknown, redactor: Redactor): Error {
  const copy = new Error(redactor.string(describeNetworkFailure(error)));
  copy.name = error instanceof Error ? error.name : 'Error';
  const code = errorCode(error);
  if (code) (copy as Error & { code?: string }).code = code;
  return copy;
}
