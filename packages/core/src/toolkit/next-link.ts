/**
 * The target of a `Link: <url>; rel="next"` header (RFC 8288), or `undefined` when the response has none. Some
 * platforms announce the next page only this way (Freshdesk: "the link header will not be set" on the last page), so
 * its absence is their end signal.
 *
 * @example
 * nextLink(new Headers({ link: '<https://acme.freshdesk.com/api/v2/tickets?page=2>; rel="next"' })); // 'https://acme.freshdesk.com/api/v2/tickets?page=2'
 */
export function nextLink(headers: Headers): string | undefined {
  const value = headers.get('link');
  // Bounded: a Link header is short; one far longer than any platform sends is not read.
  if (!value || value.length > 8192) return undefined;
  for (const match of value.matchAll(/<([^>]*)>((?:\s*;\s*[^;,<]*)*)/g)) {
    const params = match[2] ?? '';
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params);
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (rels.includes('next')) return match[1];
  }
  return undefined;
}
