import { z } from 'zod';

// Help Scout's Mailbox API 2.0, as its documentation prints it (sources in README.md, "Sources"). Each schema lists
// only the fields this connector reads and is loose about the rest, as the API adds fields over time. HAL: lists sit
// in `_embedded.<name>`, page counts in `page`.

/** The API's origin and version prefix. */
export const HELPSCOUT_API = 'https://api.helpscout.net/v2';
/** The OAuth 2 token endpoint (client-credentials and authorization-code grants). */
export const HELPSCOUT_TOKEN_URL = 'https://api.helpscout.net/v2/oauth2/token';
/** Conversations per page of List Conversations (fixed; other lists have 50). */
export const HELPSCOUT_PAGE_SIZE = 25;
/** Header carrying the base64 HMAC-SHA1 of the raw body. */
export const HELPSCOUT_SIGNATURE_HEADER = 'x-helpscout-signature';
/** Header naming the event (`convo.created`, ...). */
export const HELPSCOUT_EVENT_HEADER = 'x-helpscout-event';
/** Longest webhook secret Help Scout accepts ("a randomly-generated string of 40 characters or less"). */
export const HELPSCOUT_MAX_SECRET_LENGTH = 40;

/** A user or customer reference (`assignee`, `primaryCustomer`, `createdBy`). Every part may be missing. */
export const HelpScoutPerson = z.looseObject({
  id: z.number(),
  type: z.string().nullish(),
  first: z.string().nullish(),
  last: z.string().nullish(),
  email: z.string().nullish(),
});
export type HelpScoutPerson = z.infer<typeof HelpScoutPerson>;

/** One thread (message, reply, note, line item) of a conversation; `body` is HTML. */
export const HelpScoutThread = z.looseObject({
  id: z.number(),
  type: z.string(),
  state: z.string().nullish(),
  body: z.string().nullish(),
  createdAt: z.string(),
  createdBy: HelpScoutPerson.nullish(),
});
export type HelpScoutThread = z.infer<typeof HelpScoutThread>;

/** A conversation as Get Conversation, List Conversations and the webhooks print it. */
export const HelpScoutConversation = z.looseObject({
  id: z.number(),
  number: z.number().nullish(),
  type: z.string().nullish(),
  status: z.string(),
  state: z.string().nullish(),
  subject: z.string().nullish(),
  mailboxId: z.number().nullish(),
  assignee: HelpScoutPerson.nullish(),
  primaryCustomer: HelpScoutPerson.nullish(),
  createdAt: z.string(),
  closedAt: z.string().nullish(),
  userUpdatedAt: z.string().nullish(),
  customerWaitingSince: z.looseObject({ time: z.string().nullish() }).nullish(),
  tags: z.array(z.looseObject({ id: z.number().nullish(), tag: z.string() })).nullish(),
  customFields: z.array(z.looseObject({ id: z.number(), name: z.string().nullish(), value: z.unknown(), text: z.string().nullish() })).nullish(),
  _embedded: z.looseObject({ threads: z.array(HelpScoutThread).nullish() }).nullish(),
});
export type HelpScoutConversation = z.infer<typeof HelpScoutConversation>;

/** One page of List Conversations. An empty result carries no `_embedded` at all. */
export const HelpScoutConversationPage = z.looseObject({
  _embedded: z.looseObject({ conversations: z.array(z.unknown()) }).nullish(),
  page: z.looseObject({ size: z.number(), totalElements: z.number(), totalPages: z.number(), number: z.number() }),
});
export type HelpScoutConversationPage = z.infer<typeof HelpScoutConversationPage>;

/** `GET /v2/users/me`: the user the credentials act as. */
export const HelpScoutMe = z.looseObject({
  id: z.number(),
  firstName: z.string().nullish(),
  lastName: z.string().nullish(),
  email: z.string().nullish(),
});

/** Help Scout's error body (`application/vnd.error+json`): a `message`, a `logref`, and per-field errors. */
export const HelpScoutError = z.looseObject({
  message: z.string().nullish(),
  logref: z.string().nullish(),
  _embedded: z.looseObject({ errors: z.array(z.looseObject({ path: z.string().nullish(), message: z.string().nullish() })).nullish() }).nullish(),
});

/** A webhook body: the v2 conversation object, or `{ id }` for `convo.deleted`. */
export const HelpScoutWebhookBody = z.looseObject({ id: z.number() });

/** The conversation events the connector subscribes to; every one of them changes what the ticket model holds. */
export const HELPSCOUT_CONVERSATION_EVENTS = [
  'convo.created',
  'convo.assigned',
  'convo.moved',
  'convo.status',
  'convo.tags',
  'convo.custom-fields',
  'convo.customer.reply.created',
  'convo.agent.reply.created',
  'convo.note.created',
  'convo.merged',
  'convo.deleted',
] as const;
