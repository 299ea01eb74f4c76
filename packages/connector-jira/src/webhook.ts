import type { ConnectorContext, ConnectorWebhook, WebhookInstructions, WebhookItem, WebhookRequest } from '@ticketbridge/core';
import { hmacSignature, readWebhookJson } from '@ticketbridge/core/toolkit';
import { z } from 'zod';
import { RegisteredWebhook, paths } from './api.js';
import { jiraSite, type JiraCredentials } from './credentials.js';
import { scopeJql } from './jql.js';
import { apiRoot } from './pull.js';

type Ctx = ConnectorContext<JiraCredentials>;

/**
 * Admin webhooks with a secret: `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`. The signature covers no
 * time, so the router checks each event's own `timestamp` against the replay window.
 * https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks
 */
export const jiraSignature = hmacSignature({
  algorithm: 'sha256',
  encoding: 'hex',
  signature: { header: 'x-hub-signature', prefix: 'sha256=' },
  signed: ['body'],
});

/** The events the connection subscribes to: issue changes and comment changes (which change what a ticket says). */
export const WEBHOOK_EVENTS = ['jira:issue_created', 'jira:issue_updated', 'jira:issue_deleted', 'comment_created', 'comment_updated', 'comment_deleted'] as const;

// The webhook body (https://developer.atlassian.com/cloud/jira/platform/webhooks/#example-callback-for-an-issue-related-event):
// `timestamp` (epoch ms), `webhookEvent`, and the `issue` (comment events carry a partial issue: id, key, some fields).
const Payload = z.looseObject({
  timestamp: z.number(),
  webhookEvent: z.string(),
  issue: z
    .looseObject({
      id: z.union([z.string(), z.number()]),
      key: z.string().optional(),
      fields: z.looseObject({ project: z.looseObject({ key: z.string().optional(), projectTypeKey: z.string().nullable().optional() }).nullable().optional() }).nullable().optional(),
    })
    .optional(),
});

/** Whether an event's issue belongs to the connection's projects, as far as the payload says. */
function inScope(project: { key?: string | undefined; projectTypeKey?: string | null | undefined } | null | undefined, projectKeys: readonly string[] | undefined): boolean {
  if (!project) return true;
  if (projectKeys && projectKeys.length > 0) return project.key === undefined || projectKeys.includes(project.key);
  return project.projectTypeKey === undefined || project.projectTypeKey === null || project.projectTypeKey === 'service_desk';
}

/**
 * A verified body to items. Every issue and comment event names its issue, which the router reads afresh
 * (`fetchTicket`): the body's own issue is the REST v2 shape and may be partial, and a deletion is confirmed by Jira
 * answering 404, so a replayed deletion can never delete a live ticket. Other events and out-of-scope issues (a
 * webhook made by hand without the JQL filter) are acknowledged with nothing to deliver.
 */
export function parseJiraWebhook(request: WebhookRequest, projectKeys: readonly string[] | undefined): WebhookItem[] {
  const payload = readWebhookJson(request, Payload, { platform: 'jira', expected: 'a Jira webhook body' });
  if (!(WEBHOOK_EVENTS as readonly string[]).includes(payload.webhookEvent) || !payload.issue) return [];
  if (!inScope(payload.issue.fields?.project, projectKeys)) return [];
  const externalId = String(payload.issue.id);
  if (!/^\d{1,20}$/.test(externalId)) return [];
  return [{ kind: 'ref', externalId, occurredAt: new Date(payload.timestamp).toISOString() }];
}

/** The projects the webhook's JQL filter names: the chosen keys, or the service desks Test & Connect found. */
function webhookProjects(ctx: Ctx): string[] {
  if (ctx.credentials.projectKeys && ctx.credentials.projectKeys.length > 0) return ctx.credentials.projectKeys;
  const keys = ctx.metadata['projectKeys'];
  return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
}

/** The manual steps: an admin webhook in Jira's settings, with the URL, secret and JQL filled in. */
export function jiraInstructions(ctx: ConnectorContext<JiraCredentials>, target: { url: string; secret: string }): WebhookInstructions {
  const projects = webhookProjects(ctx);
  const jql = projects.length > 0 ? scopeJql(projects) : scopeJql(undefined);
  return {
    title: 'Create a Jira admin webhook that sends service-desk changes to Ticketbridge (needs a Jira admin)',
    steps: [
      `Sign in to ${jiraSite(ctx.credentials.subdomain)} as a Jira admin and open Settings (⚙) → System → WebHooks (under Advanced), then click "Create a WebHook".`,
      'Name: "Ticketbridge". Status: Enabled.',
      `URL: ${target.url}`,
      `Secret: ${target.secret}  (paste it exactly; Jira signs every delivery with it in X-Hub-Signature)`,
      `Events → Issue related events → JQL: ${jql}`,
      'Tick Issue: created, updated, deleted; and Comment: created, updated, deleted. Leave "Exclude body" unticked.',
      'Click Create. Keep the connection in "both" sync mode: Jira retries a failed delivery for about 30 minutes only, and the poll also finds what a missed delivery would have said.',
    ],
    docsUrl: 'https://developer.atlassian.com/cloud/jira/platform/webhooks/',
  };
}

/** Options of the webhook part. */
export interface JiraWebhookOptions {
  replayWindowMs?: number;
}

/**
 * Builds the webhook part. `register` creates an admin webhook through `POST /rest/webhooks/1.0/webhook` (Jira
 * admins only) with the host's secret, the six events and a JQL filter on the connection's projects, at the URL
 * that carries the connection's `connectorId`. `canRegister` says no (manual steps instead) when the account is not a
 * Jira admin, and for OAuth connections: an OAuth app's own webhooks are dynamic webhooks signed with a JWT, which
 * this connector does not use.
 */
export function jiraWebhook(options: JiraWebhookOptions = {}): ConnectorWebhook<JiraCredentials> {
  return {
    secretSource: 'host',
    // One id per delivery, kept on Jira's retries (which add X-Atlassian-Webhook-Retry): a retry is not a new event.
    eventId: (_ctx, { request }) => request.headers['x-atlassian-webhook-identifier']?.trim().slice(0, 200) || undefined,
    ...(options.replayWindowMs === undefined ? {} : { replayWindowMs: options.replayWindowMs }),
    verify: (_ctx, { request, secret }) => jiraSignature.verify(request, secret),
    parse: (ctx, { request }) => parseJiraWebhook(request, ctx.credentials.projectKeys),
    // Admin webhooks need the Jira admin right (read at Test & Connect); an OAuth app cannot create them.
    canRegister: (ctx) => ctx.credentials.method !== 'oauth' && ctx.metadata['admin'] === true,
    async register(ctx, target) {
      const projects = webhookProjects(ctx);
      const res = await ctx.http.post(apiRoot(ctx) + paths.adminWebhooks, {
        json: {
          name: `Ticketbridge (${ctx.connectionId})`,
          url: target.url,
          events: [...WEBHOOK_EVENTS],
          filters: { 'issue-related-events-section': projects.length > 0 ? scopeJql(projects) : scopeJql(undefined) },
          excludeBody: false,
          secret: target.secret,
        },
        schema: RegisteredWebhook,
      });
      const id = res.id !== undefined ? String(res.id) : res.self?.split('/').filter(Boolean).at(-1);
      return { secret: target.secret, resources: { webhookId: id ?? null } };
    },
    async unregister(ctx, { registration }) {
      const resources = registration.resources as { webhookId?: unknown } | null;
      const id = resources?.webhookId;
      if (typeof id !== 'string' || !/^\d{1,20}$/.test(id)) return;
      // Already deleted by an admin: nothing left to remove.
      await ctx.http.request(apiRoot(ctx) + paths.adminWebhook(id), { method: 'DELETE', acceptStatus: [404] });
    },
    instructions: jiraInstructions,
  };
}
