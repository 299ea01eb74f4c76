/** Hostile values a subdomain field must refuse before any request. */
export const HOSTILE_SUBDOMAINS = ['evil.com#', 'a.b', 'x@y', '../', 'https://evil.com', 'acme.zendesk.com', 'a b', 'acme:443', 'acme?x=1', 'acme%2e'];
