import { createHash, randomUUID } from 'node:crypto';
import { sendWebhook, signHmacSha256Hex } from '@ticketbridge/core/testing';
import { issueJson } from './routes.js';
import type { SimState } from './state.js';
import type { JiraWebhookSender } from './types.js';

/**
 * Jira's admin-webhook delivery (https://developer.atlassian.com/cloud/jira/platform/webhooks/): a JSON POST with
 * `timestamp` (epoch ms), `webhookEvent`, `issue_event_type_name`, `user`, the `issue` and, for updates, a `changelog`;
 * headers `X-Atlassian-Webhook-Identifier` (one per delivery, kept on retries), `X-Atlassian-Webhook-Retry` (the retry
 * count, on retries only) and, when the webhook has a secret, `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>`.
 */
export function createWebhookSender(state: SimState): JiraWebhookSender {
  let last: { body: Buffer; headers: Record<string, string> } | undefined;
  const secretFor = (url: string, given: string | undefined) => given ?? [...state.webhooks.values()].find((w) => w.url === url)?.secret ?? undefined;

  const send = async (url: string, payload: unknown, secret: string | undefined, forge: boolean) => {
    const body = Buffer.from(JSON.stringify(payload));
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=UTF-8',
      'user-agent': 'Atlassian Webhook HTTP Client',
      'x-atlassian-webhook-identifier': createHash('sha256').update(randomUUID()).digest('hex').slice(0, 24),
      'x-atlassian-webhook-flow': 'Primary',
    };
    if (secret !== undefined || forge) headers['x-hub-signature'] = signHmacSha256Hex({ secret: forge ? 'forged-secret-value' : secret!, payload: body });
    last = { body, headers };
    const res = await sendWebhook({ url, body, headers });
    return { status: res.status, body: res.body };
  };

  return {
    async deliver(url, externalIds, options = {}) {
      const sentAt = (options.sentAt ?? new Date()).getTime();
      const event = options.event ?? 'updated';
      let out = { status: 204, body: '' };
      for (const id of externalIds) {
        const issue = state.issues.get(id) ?? state.deleted.get(id);
        if (!issue) throw new Error(`simulator has no issue ${id}`);
        const payload = {
          timestamp: sentAt,
          webhookEvent: `jira:issue_${event}`,
          issue_event_type_name: event === 'created' ? 'issue_created' : event === 'deleted' ? 'issue_deleted' : 'issue_generic',
          user: { self: `${state.site}/rest/api/2/user?accountId=${state.me.accountId}`, accountId: state.me.accountId, displayName: state.me.displayName, active: true, timeZone: state.me.timeZone, accountType: 'atlassian' },
          issue: issueJson(state, issue, ['*all']),
          ...(event === 'updated' ? { changelog: { id: String(10000 + sentAt % 100000), items: [{ field: 'status', fieldtype: 'jira', fieldId: 'status', from: null, fromString: null, to: null, toString: issue.status }] } } : {}),
        };
        out = await send(url, payload, secretFor(url, options.secret), options.forge === true);
        if (out.status >= 300) return out;
      }
      return out;
    },
    async deliverComment(url, externalId, options = {}) {
      const issue = state.issue(externalId);
      const c = issue.comments.at(-1);
      const payload = {
        timestamp: Date.now(),
        webhookEvent: options.event ?? 'comment_created',
        comment: c ? { id: c.id, body: c.body, created: c.created, updated: c.updated, jsdPublic: c.jsdPublic } : null,
        // Comment events carry a partial issue: id, key and a few fields.
        issue: { id: issue.id, self: `${state.site}/rest/api/2/issue/${issue.id}`, key: issue.key, fields: { summary: issue.summary, project: { key: issue.projectKey, projectTypeKey: state.projects.find((p) => p.key === issue.projectKey)?.projectTypeKey } } },
      };
      return send(url, payload, secretFor(url, options.secret), false);
    },
    async retryLast(url, retry) {
      if (!last) throw new Error('no delivery to retry');
      const res = await sendWebhook({ url, body: last.body, headers: { ...last.headers, 'x-atlassian-webhook-retry': String(retry) } });
      return { status: res.status, body: res.body };
    },
    registered: () => [...state.webhooks.values()].map((w) => w.url),
  };
}
