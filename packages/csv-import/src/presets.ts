/**
 * The ticket fields a CSV column can feed. Anything else in the file lands in `customFields` under its header.
 * `id` and at least one of `createdAt` / `updatedAt` are required.
 */
export type TicketField =
  | 'id'
  | 'subject'
  | 'description'
  | 'status'
  | 'priority'
  | 'channel'
  | 'url'
  | 'tags'
  | 'requesterId'
  | 'requesterName'
  | 'requesterEmail'
  | 'assigneeId'
  | 'assigneeName'
  | 'assigneeEmail'
  | 'organizationId'
  | 'organizationName'
  | 'createdAt'
  | 'updatedAt';

/** Every {@link TicketField}, in the order mappings are shown. */
export const TICKET_FIELDS: readonly TicketField[] = [
  'id', 'subject', 'description', 'status', 'priority', 'channel', 'url', 'tags',
  'requesterId', 'requesterName', 'requesterEmail', 'assigneeId', 'assigneeName', 'assigneeEmail',
  'organizationId', 'organizationName', 'createdAt', 'updatedAt',
];

/** The platforms whose ticket exports have a preset. */
export type PresetName = 'zendesk' | 'freshdesk' | 'jira' | 'hubspot' | 'intercom';

/** Every {@link PresetName}. */
export const PRESET_NAMES: readonly [PresetName, ...PresetName[]] = ['zendesk', 'freshdesk', 'jira', 'hubspot', 'intercom'];

/** Header names for each field, matched case-insensitively, first match wins. */
export type AliasTable = Partial<Record<TicketField, readonly string[]>>;

/** How one platform's export is read. */
export interface Preset {
  /** The `platform` of the drafts: the same id as the platform's connector, so hosts can tell where tickets came from. */
  platform: string;
  /** The platform's own export headers; the generic aliases are tried after them. */
  aliases: AliasTable;
  /** What separates several tags in one cell (Zendesk: a space). Repeated tag columns (Jira) are read too. */
  tagSeparator: string | RegExp;
}

/**
 * Header names that many exports and hand-made files use. Tried after a preset's own, and alone without a preset,
 * so a file from a tool without a preset still maps its obvious columns.
 */
export const GENERIC_ALIASES: AliasTable = {
  id: ['id', 'ticket id', 'ticket_id', 'ticket number', 'ticket #', 'number', 'key', 'issue key', 'conversation id', 'external id', 'external_id'],
  subject: ['subject', 'title', 'summary', 'ticket name', 'ticket title'],
  description: ['description', 'body', 'message', 'content', 'details', 'ticket description'],
  status: ['status', 'state', 'ticket status'],
  priority: ['priority', 'ticket priority', 'urgency'],
  channel: ['channel', 'source', 'via', 'origin'],
  url: ['url', 'link', 'ticket url', 'permalink'],
  tags: ['tags', 'tag', 'labels', 'label'],
  requesterId: ['requester id', 'requester_id', 'customer id', 'contact id'],
  requesterName: ['requester', 'requester name', 'customer', 'customer name', 'contact', 'contact name', 'reporter'],
  requesterEmail: ['requester email', 'requester_email', 'email', 'customer email', 'contact email'],
  assigneeId: ['assignee id', 'assignee_id', 'agent id', 'owner id'],
  assigneeName: ['assignee', 'assignee name', 'agent', 'owner', 'assigned to', 'ticket owner'],
  assigneeEmail: ['assignee email', 'agent email', 'owner email'],
  organizationId: ['organization id', 'organisation id', 'company id', 'account id'],
  organizationName: ['organization', 'organisation', 'company', 'company name', 'account'],
  createdAt: ['created at', 'created', 'created_at', 'create date', 'created date', 'created time', 'creation date', 'date created'],
  updatedAt: ['updated at', 'updated', 'updated_at', 'last updated', 'last updated at', 'last modified', 'last modified date', 'last update time', 'last updated time', 'updated date', 'date updated', 'modified'],
};

/**
 * The presets. Header names come from each platform's own export (sources in the README); where a platform's
 * export has changed names over time or by locale, each known name is listed.
 */
export const PRESETS: Readonly<Record<PresetName, Preset>> = {
  // Admin Center → Account → Tools → Reports → Export → CSV export. Names, not ids, for people; tags space-separated.
  zendesk: {
    platform: 'zendesk',
    tagSeparator: ' ',
    aliases: {
      id: ['Id'],
      subject: ['Subject'],
      description: ['Description'],
      status: ['Status'],
      priority: ['Priority'],
      channel: ['Via'],
      tags: ['Tags'],
      requesterId: ['Requester id'],
      requesterName: ['Requester'],
      requesterEmail: ['Requester email'],
      assigneeId: ['Assignee id'],
      assigneeName: ['Assignee'],
      assigneeEmail: ['Assignee email'],
      organizationName: ['Organization'],
      createdAt: ['Created at'],
      updatedAt: ['Updated at'],
    },
  },
  // Tickets list → Export (CSV): the fields the user ticks, labelled as in the ticket form.
  freshdesk: {
    platform: 'freshdesk',
    tagSeparator: ',',
    aliases: {
      id: ['Ticket ID'],
      subject: ['Subject'],
      description: ['Description'],
      status: ['Status'],
      priority: ['Priority'],
      channel: ['Source'],
      tags: ['Tags'],
      requesterName: ['Full name', 'Contact name', 'Requester name'],
      requesterEmail: ['Email', 'Requester email'],
      assigneeName: ['Agent'],
      organizationName: ['Company name', 'Company'],
      createdAt: ['Created time'],
      updatedAt: ['Last updated time', 'Last update time'],
    },
  },
  // Filters → Export → CSV (all or current fields). Repeated columns for multi-valued fields (Labels, Labels, ...).
  jira: {
    platform: 'jira',
    tagSeparator: /[,\s]+/,
    aliases: {
      // The numeric `Issue id`, as the Jira connector uses: a key changes when an issue moves to another project. An
      // export without it falls back to the key (then kept in customFields otherwise).
      id: ['Issue id', 'Issue key'],
      subject: ['Summary'],
      description: ['Description'],
      status: ['Status'],
      priority: ['Priority'],
      tags: ['Labels'],
      requesterName: ['Reporter'],
      assigneeName: ['Assignee'],
      createdAt: ['Created'],
      updatedAt: ['Updated'],
    },
  },
  // CRM → Tickets → Export view (labels of the view's properties; they depend on the view).
  hubspot: {
    platform: 'hubspot',
    tagSeparator: ';',
    aliases: {
      id: ['Ticket ID', 'Record ID'],
      subject: ['Ticket name'],
      description: ['Ticket description'],
      status: ['Ticket status'],
      priority: ['Priority'],
      channel: ['Source'],
      assigneeName: ['Ticket owner'],
      organizationName: ['Associated Company', 'Associated Company (Primary)'],
      createdAt: ['Create date'],
      updatedAt: ['Last modified date', 'Last activity date'],
    },
  },
  // Conversation exports (Reports → Conversations → Export CSV; older per-inbox exports in snake_case).
  intercom: {
    platform: 'intercom',
    tagSeparator: ',',
    aliases: {
      id: ['Conversation ID', 'conversation_id', 'Ticket ID'],
      subject: ['Conversation title', 'Ticket title', 'Title'],
      description: ['First message', 'Conversation first message', 'message_body'],
      status: ['Conversation state', 'State', 'conversation_state', 'Ticket state'],
      channel: ['Channel', 'Conversation channel'],
      tags: ['Conversation tags', 'Tags', 'conversation_tags'],
      requesterName: ['User name', 'Customer name', 'message_author_name'],
      requesterEmail: ['User email', 'Customer email', 'message_author_email'],
      requesterId: ['User ID', 'user_id'],
      assigneeName: ['Teammate assigned', 'Assigned teammate', 'Assignee'],
      organizationName: ['Company name', 'message_author_companies'],
      createdAt: ['Conversation started at', 'Conversation created at', 'conversation_created_at', 'Created at'],
      updatedAt: ['Conversation last updated at', 'Last updated at', 'conversation_updated_at', 'Updated at'],
    },
  },
};
