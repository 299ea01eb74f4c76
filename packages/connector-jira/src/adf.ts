/**
 * Atlassian Document Format to plain text. ADF is the JSON tree Jira REST v3 uses for descriptions and comments
 * (https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/): a `doc` of block nodes (paragraph,
 * heading, bulletList, orderedList, codeBlock, blockquote, panel, table, rule, mediaSingle...) holding inline nodes
 * (text, hardBreak, mention, emoji, inlineCard, date, status). Blocks become lines, list items keep a marker, and
 * inline nodes print what a reader sees (a mention's `@name`, an emoji's character). A node type this does not know
 * prints its children, so content under a future node is kept rather than dropped.
 */

/** Deepest nesting walked; deeper content is cut (a document is a tree a client built, not a bound we trust). */
const MAX_DEPTH = 64;

type Node = { type?: unknown; text?: unknown; attrs?: Record<string, unknown> | null; content?: unknown };

const isNode = (x: unknown): x is Node => typeof x === 'object' && x !== null && !Array.isArray(x);
const children = (n: Node): Node[] => (Array.isArray(n.content) ? n.content.filter(isNode) : []);
const attr = (n: Node, name: string): string | undefined => {
  const v = n.attrs?.[name];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
};

/** Whether a value looks like an ADF document (`{ type: 'doc', content: [...] }`). */
export function isAdf(value: unknown): boolean {
  return isNode(value) && value.type === 'doc' && Array.isArray(value.content);
}

function inline(n: Node, depth: number): string {
  if (depth > MAX_DEPTH) return '';
  switch (n.type) {
    case 'text':
      return typeof n.text === 'string' ? n.text : '';
    case 'hardBreak':
      return '\n';
    case 'mention': {
      const t = attr(n, 'text') ?? '';
      return t.startsWith('@') || t === '' ? t : `@${t}`;
    }
    case 'emoji':
      return attr(n, 'text') ?? attr(n, 'shortName') ?? '';
    case 'inlineCard':
    case 'blockCard':
    case 'embedCard':
      return attr(n, 'url') ?? '';
    case 'date': {
      const ts = Number(attr(n, 'timestamp'));
      return Number.isFinite(ts) ? new Date(ts).toISOString().slice(0, 10) : '';
    }
    case 'status':
      return attr(n, 'text') ?? '';
    case 'placeholder':
    case 'media':
    case 'mediaInline':
      return '';
    default:
      return children(n).map((c) => inline(c, depth + 1)).join('');
  }
}

function blocks(nodes: readonly Node[], depth: number, out: string[], prefix = ''): void {
  for (const n of nodes) block(n, depth, out, prefix);
}

function block(n: Node, depth: number, out: string[], prefix: string): void {
  if (depth > MAX_DEPTH) return;
  switch (n.type) {
    case 'paragraph':
    case 'heading': {
      const line = children(n).map((c) => inline(c, depth + 1)).join('');
      out.push(...line.split('\n').map((l) => prefix + l));
      return;
    }
    case 'codeBlock':
      out.push(...children(n).map((c) => inline(c, depth + 1)).join('').split('\n').map((l) => prefix + l));
      return;
    case 'bulletList':
    case 'orderedList': {
      let i = Number(attr(n, 'order') ?? '1');
      if (!Number.isFinite(i)) i = 1;
      for (const item of children(n)) {
        const marker = n.type === 'bulletList' ? '- ' : `${i++}. `;
        const lines: string[] = [];
        blocks(children(item), depth + 1, lines);
        lines.forEach((l, k) => out.push(prefix + (k === 0 ? marker : ' '.repeat(marker.length)) + l));
      }
      return;
    }
    case 'blockquote':
      blocks(children(n), depth + 1, out, `${prefix}> `);
      return;
    case 'table':
      for (const row of children(n)) {
        out.push(prefix + children(row).map((cell) => {
          const lines: string[] = [];
          blocks(children(cell), depth + 1, lines);
          return lines.join(' ');
        }).join(' | '));
      }
      return;
    case 'rule':
      out.push(`${prefix}---`);
      return;
    case 'mediaSingle':
    case 'mediaGroup':
      return;
    case 'text':
    case 'hardBreak':
    case 'mention':
    case 'emoji':
    case 'inlineCard':
      // Inline content at block level (documents built by other clients): print it as a line.
      out.push(prefix + inline(n, depth + 1));
      return;
    default:
      // panel, expand, nestedExpand, layoutSection, decisionList, taskList, and types added later.
      blocks(children(n), depth + 1, out, prefix);
  }
}

/**
 * The plain text of an ADF document: one line per paragraph, list items with `- ` / `1. `, table cells joined by
 * ` | `. A string (a v2 or webhook-era body) is returned as it is; anything else gives `''`.
 */
export function adfToText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (!isNode(value)) return '';
  const out: string[] = [];
  if (value.type === 'doc') blocks(children(value), 0, out);
  else block(value, 0, out, '');
  return out.join('\n');
}
