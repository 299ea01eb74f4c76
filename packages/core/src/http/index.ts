export { DEFAULT_MAX_RESPONSE_BYTES } from './create-http-client.js';
