import type { ConnectorSimulator, OAuthServer, SimulatorWebhooks } from '@ticketbridge/core/testing';

/** An Atlassian account of the simulated site. */
export interface SimAccount {
  accountId: string;
  accountType: 'atlassian' | 'customer' | 'app';
  displayName: string;
  /** `null` when the user's profile visibility hides it (what the API then leaves out). */
  emailAddress: string | null;
  timeZone: string;
  active: boolean;
  /** Jira admin (the ADMINISTER global permission): may create admin webhooks. */
  admin: boolean;
  /** Service projects whose agent this account is (what it can see). */
  projects: string[];
}

/** A project of the simulated site. */
export interface SimProject {
  id: string;
  key: string;
  name: string;
  /** `service_desk` for Jira Service Management projects, `software` for the others. */
  projectTypeKey: 'service_desk' | 'software' | 'business';
  /** Service desk id (JSM projects only). */
  serviceDeskId: string | null;
}

/** A comment as Jira stores it. */
export interface SimComment {
  id: string;
  authorId: string;
  /** ADF document. */
  body: unknown;
  created: string;
  updated: string;
  /** false for an internal note of a service desk. */
  jsdPublic: boolean;
}

/** An issue as the simulated site stores it: REST v3 field values. */
export interface SimIssue {
  id: string;
  key: string;
  projectKey: string;
  summary: string;
  /** ADF document, or null when empty. */
  description: unknown;
  status: string;
  priority: string | null;
  labels: string[];
  reporterId: string | null;
  assigneeId: string | null;
  issueType: string;
  resolution: string | null;
  /** Custom field values by id (request type, organizations, SLAs, text fields). Absent ids are unset. */
  custom: Record<string, unknown>;
  comments: SimComment[];
  /** Epoch ms, kept at millisecond precision like Jira's timestamps. */
  created: number;
  updated: number;
}

/** Credentials the simulator accepts: the API-token method, or the scoped-token method through the gateway. */
export type JiraSimCredentials = {
  method?: 'scoped_token';
  subdomain: string;
  cloudId?: string;
  email: string;
  apiToken: string;
  projectKeys?: string;
};

/** One request the simulated API answered. */
export interface JiraSimRequestRecord {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

/** Options of `startJiraSimulator`. */
export interface JiraSimulatorOptions {
  seed?: number;
  subdomain?: string;
  /** The API user's profile time zone, in which JQL dates are read (default America/Los_Angeles). */
  timeZone?: string;
  /** Whether the API user is a Jira admin (default true: admin webhooks can be registered). */
  admin?: boolean;
  /** Time of the first generated issue (default 2026-01-05T08:00:00Z). */
  start?: Date;
  /** Comments an issue embeds in search results before `total` says more exist (default 20) [U]. */
  embeddedComments?: number;
  /**
   * How long a write stays invisible to JQL search (the index is eventually consistent); reads by id see it at once.
   * Default 0.
   */
  indexLagMs?: number;
  /** Most issues a search page with fields holds (default 100); Jira "may return fewer" when many fields are asked. */
  searchPageMax?: number;
  /** Most ids an ids-only search page holds (default 5000). */
  idPageMax?: number;
  /** Rate-limit header style: Jira's burst headers (default) or the points-quota `Beta-RateLimit` of OAuth apps. */
  rateLimitHeaders?: 'burst' | 'beta';
  /** The credentials `credentials()` hands out: a classic API token on the site (default) or a scoped one on the gateway. */
  auth?: 'api_token' | 'scoped_token';
  /** Access-token lifetime of the OAuth server, in seconds (default 3600, Atlassian's). */
  accessTokenTtlSec?: number;
  /**
   * How dynamic webhooks print `expirationDate`: `epoch` ms (default; the OpenAPI schema's int64) or `string`
   * (`2019-06-01T12:42:30.000+0000`, the OpenAPI examples' spelling). Atlassian's own document disagrees with itself.
   */
  dynamicExpirationDate?: 'epoch' | 'string';
}

/** Dynamic webhooks of OAuth 2.0 apps (`/rest/api/3/webhook`), as the simulator keeps them. */
export interface JiraDynamicWebhooks {
  /** Moves the clock of webhook expiry forward (the 30 days), leaving every other clock alone. */
  advance(ms: number): void;
  /** Every dynamic webhook ever registered and not deleted, expired ones included. */
  list(): Array<{ id: number; url: string; events: string[]; jqlFilter: string; expiresAt: string; expired: boolean }>;
  /**
   * Sends an issue event to every live dynamic webhook whose events and JQL match, with `Authorization: Bearer <JWT>`
   * (HS256, the app's client secret). `token` spoils it: `expired` (exp an hour ago), `alg-none`, `wrong-secret`,
   * `tampered` (a claim changed after signing), `missing` (no header); `tamper: 'body'` changes the body under a valid
   * token (the JWT does not cover the body). Returns one answer per delivery made (none when nothing matched).
   */
  deliver(
    externalIds: string[],
    options?: { event?: 'created' | 'updated' | 'deleted'; token?: 'valid' | 'expired' | 'alg-none' | 'wrong-secret' | 'tampered' | 'missing'; tamper?: 'body'; sentAt?: Date },
  ): Promise<Array<{ status: number; body: string }>>;
  /** Sends the last dynamic delivery again as Jira's retry: same identifier and token, `X-Atlassian-Webhook-Retry: n`. */
  retryLast(retry: number): Promise<{ status: number; body: string }>;
}

/** A running Jira simulator. */
export interface JiraSimulator extends ConnectorSimulator<JiraSimCredentials> {
  /** Requests the API answered, in order. */
  requests(): JiraSimRequestRecord[];
  /** Admin-webhook deliveries, comment events and retries. */
  readonly webhooks: JiraWebhookSender;
  /** The site's cloud id (the gateway's `ex/jira/{cloudId}`). */
  readonly cloudId: string;
  /** A scoped API token of the API user, valid only through the gateway. */
  readonly scopedToken: string;
  /** The OAuth 2.0 (3LO) authorization server (auth.atlassian.com). */
  readonly oauth: OAuthServer;
  /** Overwrites stored fields of an issue, stamping it updated at `at` (default now). */
  patchIssue(externalId: string, fields: Partial<SimIssue>, options?: { at?: string }): Promise<void>;
  /** Adds a comment (public reply or internal note), stamping the issue updated. */
  addComment(externalId: string, comment: { text: string; internal?: boolean }): Promise<void>;
  /** Creates issues in a project (default the first service project); returns their ids. */
  create(count: number, options?: { project?: string; at?: string }): Promise<string[]>;
  /** Creates `count` issues sharing one update time; returns their ids. */
  seedSameMinute(count: number, at: string): Promise<string[]>;
  /** The stored issue. */
  issue(externalId: string): SimIssue;
  /** The search index: writes it has not caught up with are invisible to JQL (reads by id still see them). */
  readonly index: { lag(externalIds: string[]): void; catchUp(): void };
  /** Moves an issue to another project (its key changes, its id stays), stamping it updated. */
  move(externalId: string, projectKey: string): Promise<void>;
  /** Makes the API user's classic token expire now: Jira answers 401 to it from then on. */
  expireToken(): Promise<void>;
  /** The API token that has expired (Jira answers 401 to it). */
  readonly expiredToken: string;
  /** Dynamic webhooks registered by OAuth apps: their 30-day clock and JWT-signed deliveries. */
  readonly dynamicWebhooks: JiraDynamicWebhooks;
}

/** The simulator's webhook side: Jira's deliveries, plus comment events and retries. */
export interface JiraWebhookSender extends SimulatorWebhooks {
  /** Sends a comment event for an issue (its `comment` object and a partial issue). */
  deliverComment(url: string, externalId: string, options?: { secret?: string; event?: 'comment_created' | 'comment_updated' | 'comment_deleted' }): Promise<{ status: number; body: string }>;
  /** Sends the same delivery again as Jira's retry would: same identifier, `X-Atlassian-Webhook-Retry: n`. */
  retryLast(url: string, retry: number): Promise<{ status: number; body: string }>;
}
