// @ts-check
// A TypeDoc plugin that groups each package's exports by the folder they come from (errors, model, contract,
// testing...) and gives every group a one-line summary. The layout of the sources already says what each export
// is; tagging hundreds of declarations with `@group` by hand would drift from it. An explicit `@group` tag on a
// declaration still wins.
import { Comment, CommentTag, Converter, ReflectionKind } from 'typedoc';

/** [pattern on the path inside a package, group name, one-line summary]; the first match wins. */
const RULES = [
  // @ticketbridge/core
  [/core\/src\/errors\//, 'Errors', 'Every error the SDK throws: a `code` to branch on, and the field, platform and status it concerns.'],
  [/core\/src\/model\//, 'Model', 'The normalized ticket model: zod schemas and the types inferred from them.'],
  [/core\/src\/connector\//, 'Connector contract', 'What a connector is: `defineConnector`, its context, HTTP configuration, pages and webhooks.'],
  [/core\/src\/credentials\//, 'Credentials', 'Field helpers, credential methods and OAuth declared as data: what a Connect form renders.'],
  [/core\/src\/auth\//, 'OAuth', 'Consent URLs, code exchange, and the sessions that keep tokens fresh.'],
  [/core\/src\/store\//, 'State store', 'The `StateStore` a host provides, and `MemoryStore` for tests.'],
  [/core\/src\/http\//, 'HTTP', 'The client every connector calls: rate limits, retries, redirects, bounds and classified errors.'],
  [/core\/src\/hub\//, 'Hub', '`createHub` and what a host calls on it: connect, sync, history, events.'],
  [/core\/src\/sync\//, 'Sync engine', 'Sync runs, their history records, and the engine that checkpoints page by page.'],
  [/core\/src\/connection\//, 'Connections', 'Stored connections, sync modes and their settings.'],
  [/core\/src\/scheduler\//, 'Scheduler', 'When polls and retries run; the interface a job engine implements.'],
  [/core\/src\/webhooks\//, 'Webhooks', 'The webhook router: signatures, replay window, durable inbox, Node and Fetch handlers.'],
  [/core\/src\/util\//, 'Utilities', 'Logging and JSON types.'],
  [/core\/src\/toolkit\/paginate|core\/src\/toolkit\/next-link|core\/src\/toolkit\/batches/, 'Pagination', 'Walks over a platform\'s pages that yield checkpoints and stop on its own end signal.'],
  [/core\/src\/toolkit\/(hmac-signature|shared-secret)/, 'Signatures', 'Webhook signature checks declared as data, in constant time.'],
  [/core\/src\/toolkit\/|core\/src\/http\/rate-limit/, 'Helpers', 'Webhook bodies, HTML to text, rate-limit headers, tombstones.'],
  [/core\/src\/testing\/blocks\//, 'Simulator blocks', 'Parts a platform simulator is built from: server, generator, paginators, limiter, faults, signers.'],
  [/core\/src\/testing\/reference\//, 'Reference connector', 'Acme Desk: the small connector and simulator every plugin author can copy.'],
  [/core\/src\/testing\//, 'Test helpers', 'The simulator contract and helpers for tests over loopback HTTP.'],
  [/core\/src\/conformance\//, 'Conformance suites', 'The vitest suites every connector and every store passes.'],
  // connectors and other packages
  [/\/src\/(simulator\/|simulator\.ts|testing\.ts)/, 'Simulator', 'The platform simulator, for tests and demos against a loopback copy of the platform.'],
  [/\/src\/api\.ts/, 'Platform API', 'The platform\'s wire format: endpoints, headers and schemas of the fields read.'],
  [/\/src\/credentials\.ts/, 'Credentials', 'The credentials schema and credential methods a Connect form renders.'],
  [/\/src\/webhooks?\.ts/, 'Webhooks', 'Webhook signature, payload parsing, registration and manual steps.'],
  [/\/src\/normalize\.ts/, 'Mapping', 'From the platform\'s objects to the normalized ticket.'],
];

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    const modules = [context.project, ...context.project.getReflectionsByKind(ReflectionKind.Module)];
    for (const mod of modules) {
      if (!('children' in mod) || !mod.children) continue;
      /** @type {Map<string, string>} */
      const used = new Map();
      for (const child of mod.children) {
        if (child.kindOf(ReflectionKind.Reference)) continue;
        const existing = [child.comment, ...(child.signatures ?? []).map((s) => s.comment)].some((c) => c?.blockTags.some((t) => t.tag === '@group'));
        const path = child.sources?.[0]?.fullFileName?.replaceAll('\\', '/') ?? '';
        const rule = RULES.find(([pattern]) => pattern.test(path));
        if (existing || !rule) continue;
        const [, name, summary] = rule;
        child.comment ??= new Comment();
        child.comment.blockTags.push(new CommentTag('@group', [{ kind: 'text', text: name }]));
        used.set(name, summary);
      }
      if (used.size === 0) continue;
      mod.comment ??= new Comment();
      for (const [name, summary] of used) {
        if (mod.comment.blockTags.some((t) => t.tag === '@groupDescription' && Comment.combineDisplayParts(t.content).split('\n')[0]?.trim() === name)) continue;
        mod.comment.blockTags.push(new CommentTag('@groupDescription', [{ kind: 'text', text: `${name}\n${summary}` }]));
      }
    }
  });
}
