/**
 * The connector author's toolkit: the loops and checks every connector needs, so a connector is platform knowledge
 * only (endpoints, schemas, mapping, quirks). Pagination walks that yield pages with checkpoints and stop on the
 * platform's own end signal, one HMAC signature helper declared as data, an HS256 JWT check for platforms that sign
 * deliveries with a JWT, a constant-time shared-secret check for platforms that sign nothing, webhook body parsing,
 * `htmlToText`, `isoInstant` (canonical timestamps without a `Date` for the usual UTC forms) and `canonicalInstant`
 * (the epoch milliseconds of a timestamp only when it is exactly in that canonical form).
 *
 * Rate-limit headers are not here: a connector declares them as data in `HttpConfig.rateLimit` (see
 * `RateLimitHeaders` in `@ticketbridge/core`) and core's HTTP client reads them.
 *
 * @packageDocumentation
 */
export { paginate, type PaginateOptions, type PageStep, type WalkedPage } from './toolkit/paginate.js';
export { paginateCursor, type PaginateCursorOptions, type CursorStep } from './toolkit/paginate-cursor.js';
export { paginateKeyset, type PaginateKeysetOptions, type KeysetStep, type WindowPosition } from './toolkit/paginate-keyset.js';
export { paginatePages, type PaginatePagesOptions, type PagesStep } from './toolkit/paginate-pages.js';
export { nextLink } from './toolkit/next-link.js';
export { batches } from './toolkit/batches.js';
export { verifyHs256Jwt, type VerifyHs256JwtOptions, type Hs256JwtVerification } from './toolkit/hs256-jwt.js';
export { sharedSecret, type SharedSecret, type SharedSecretLocation } from './toolkit/shared-secret.js';
export { hmacSignature, type HmacSignature, type HmacSignatureScheme, type SignedPart, type SignInput } from './toolkit/hmac-signature.js';
export { htmlToText, looksLikeHtml } from './toolkit/html-to-text.js';
export { readWebhookJson, type ReadWebhookJsonOptions } from './toolkit/read-webhook-json.js';
export { readRateLimitHeaders } from './http/rate-limit.js';
export { tombstone } from './toolkit/tombstone.js';
export { canonicalInstant, daysInMonth, isoInstant } from './toolkit/iso-instant.js';
