import type { z } from 'zod';

/** Query parameters; arrays repeat the key. */
export type SearchParams = Record<string, string | number | boolean | undefined | Array<string | number>>;

/** Options of one request through {@link HttpClient}. */
export interface HttpRequestOptions<T = unknown> {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  searchParams?: SearchParams;
  /** A JSON body. */
  json?: unknown;
  headers?: Record<string, string>;
  /**
   * Zod schema of the fields we read. A body that does not match throws `ResponseShapeError`, so no `any` leaks
   * past a connector's `api.ts`.
   */
  schema?: z.ZodType<T>;
  /**
   * Whether the request may be sent again after a transient failure. Defaults to true for GET/PUT/DELETE and
   * false for POST/PATCH; set it for read-only POSTs such as search endpoints.
   */
  idempotent?: boolean;
  /** Per-request timeout in milliseconds (default: the client's). */
  timeoutMs?: number;
  /** Rate-limit bucket name, for platforms with separate limits per endpoint (Zendesk's export, HubSpot search). */
  bucket?: string;
  /** Statuses returned to the caller instead of thrown (e.g. 404 when a ticket may be gone). */
  acceptStatus?: number[];
  /**
   * Largest body this request may read, in bytes; it wins over the connector's `HttpConfig.maxResponseBytes` and the
   * hub's default (64 MiB). For the one endpoint known to answer bigger pages than the rest.
   */
  maxResponseBytes?: number;
}

/** A parsed response. */
export interface HttpResponse<T> {
  status: number;
  headers: Headers;
  /** The parsed body (validated by `schema` when one was given); `undefined` for an empty body. */
  data: T;
  /** The final URL, after any same-host redirect. */
  url: string;
}

/**
 * The HTTP client a connector receives in its context. It already knows the base URL, authentication,
 * rate-limit headers, timeouts and retries, so a connector only names endpoints.
 */
export interface HttpClient {
  /** Sends a request to a path relative to the connection's base URL, or to an absolute URL on the same host. */
  request<T = unknown>(path: string, options?: HttpRequestOptions<T>): Promise<HttpResponse<T>>;
  /** `request` with method GET, returning only the body. */
  get<T = unknown>(path: string, options?: Omit<HttpRequestOptions<T>, 'method' | 'json'>): Promise<T>;
  /** `request` with method POST, returning only the body. */
  post<T = unknown>(path: string, options?: Omit<HttpRequestOptions<T>, 'method'>): Promise<T>;
  /** The base URL requests are resolved against. */
  readonly baseUrl: string;
}
