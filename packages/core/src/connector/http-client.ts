import type { z } from 'zod';

/** Query parameters; arrays repeat the key. */
export type SearchParams = Record<string, string | number | boolean | undefined | Array<string | number>>;

/** Options of one request through {@link HttpClient}. */
export interface HttpRequestOptions<T = unknown> {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  searchParams?: SearchParams;
  /** A JSON body. */
  json?: unknown;
  /** An `application/x-www-form-urlencoded` body (OAuth token requests); ignored when `json` is set. */
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /**
   * Zod schema of the fields we read. A body that does not match throws `ResponseShapeError`, so no `any` leaks
   * past a connector's `api.ts`.
   */
  schema?: z.ZodType<T>;
  /**
   * When true, `schema` only checks the body: `data` is the body exactly as parsed from JSON, with every field the
   * platform sent, instead of the schema's output (a copy). Use it with a schema that has no transforms, defaults or
   * coercion, written with `z.object` (which checks the fields listed and would strip the others from its output):
   * the connector keeps the whole record (for `raw`) while zod walks only the fields it reads. A `z.looseObject` copies
   * every field of every record, which on a page of a thousand wide records was a third of the sync's CPU.
   */
  keepBody?: boolean;
  /**
   * Whether the request may be sent again after a transient failure. Defaults to true for GET/PUT/DELETE and
   * false for POST/PATCH; set it for read-only POSTs such as search endpoints.
   */
  idempotent?: boolean;
  /** Per-request timeout in milliseconds (default: the client's). */
  timeoutMs?: number;
  /** Rate-limit bucket name, for platforms with separate limits per endpoint (Zendesk's export, HubSpot search). */
  bucket?: string;
  /**
   * Statuses returned to the caller instead of thrown (e.g. 404 when a ticket may be gone). A listed non-2xx status
   * resolves as `{ ok: false }` and its body is not validated against `schema`.
   */
  acceptStatus?: readonly number[];
  /**
   * Largest body this request may read, in bytes; it wins over the connector's `HttpConfig.maxResponseBytes` and the
   * hub's default (64 MiB). For the one endpoint known to answer bigger pages than the rest.
   */
  maxResponseBytes?: number;
}

/** A 2xx response. */
export interface HttpSuccess<T> {
  /** True: the platform answered 2xx. */
  ok: true;
  status: number;
  headers: Headers;
  /** The parsed body, validated by `schema` when one was given; `undefined` for an empty body. */
  data: T;
  /** The final URL, after any same-host redirect. */
  url: string;
}

/**
 * A non-2xx response that the request listed in `acceptStatus`, returned instead of thrown. Its body is the
 * platform's answer to a failure (an error envelope, a 404 page), not the resource `schema` describes, so it is
 * never validated against `schema`: `data` is the body parsed as JSON, or `undefined` when it is empty or not JSON.
 */
export interface HttpAccepted {
  /** False: the status is one the caller accepted, not a success. */
  ok: false;
  status: number;
  headers: Headers;
  /** The body as JSON, unvalidated; `undefined` when empty or not JSON. */
  data: unknown;
  /** The final URL, after any same-host redirect. */
  url: string;
}

/** A response: a success carrying the typed body, or a status the caller accepted. Narrow on `ok`. */
export type HttpResponse<T> = HttpSuccess<T> | HttpAccepted;

/** Options of {@link HttpClient.get} and {@link HttpClient.post}, which return only a success's body. */
export type HttpBodyOptions<T> = Omit<HttpRequestOptions<T>, 'method' | 'acceptStatus'>;

/**
 * The HTTP client a connector receives in its context. It already knows the base URL, authentication,
 * rate-limit headers, timeouts and retries, so a connector only names endpoints.
 */
export interface HttpClient {
  /**
   * Sends a request to a path relative to the connection's base URL, or to an absolute URL on the same host.
   * Without `acceptStatus` every non-2xx status throws, so the response is always a success.
   */
  request<T = unknown>(path: string, options?: HttpRequestOptions<T> & { acceptStatus?: undefined }): Promise<HttpSuccess<T>>;
  /**
   * With `acceptStatus`, a listed non-2xx status resolves as `{ ok: false }` with its body unvalidated; narrow on
   * `ok` before reading `data` as `T`.
   */
  request<T = unknown>(path: string, options: HttpRequestOptions<T>): Promise<HttpResponse<T>>;
  /** `request` with method GET, returning only the body of the success. */
  get<T = unknown>(path: string, options?: Omit<HttpBodyOptions<T>, 'json'>): Promise<T>;
  /** `request` with method POST, returning only the body of the success. */
  post<T = unknown>(path: string, options?: HttpBodyOptions<T>): Promise<T>;
  /** The base URL requests are resolved against. */
  readonly baseUrl: string;
}
