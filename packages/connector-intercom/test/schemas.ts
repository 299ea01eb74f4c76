// The response schemas of the connector, for tests that parse Intercom's documented examples the way a pull does.
export { IntercomConversation as IntercomConversationSchemaForTests, IntercomTicket as IntercomTicketSchemaForTests } from '../src/api.js';
