export { createOAuthState, createPkcePair, type PkcePair } from './pkce.js';
export { AUTHORIZATION_FIELD, type OAuthTokens } from './token-endpoint.js';
