/** Closing tags that end a line of text. */
const LINE_ENDING = new Set(['p', 'div', 'li', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'ul', 'ol', 'table']);
/** Elements whose content is code, not text. */
const DROPPED = new Set(['script', 'style']);
const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/**
 * Plain text from an HTML fragment (a comment's `html_body`, a HubSpot ticket's `content`), for the normalized
 * model's text fields; the HTML itself stays in `htmlBody` and `raw`.
 *
 * `<br>` and the end of a block (`</p>`, `</div>`, `</li>`, `</tr>`, headings, lists, quotes) become line breaks;
 * `<script>` and `<style>` are dropped with their content, as are comments; other tags are removed and their text
 * kept. Named (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&nbsp;`) and numeric (`&#128075;`, `&#x1F44B;`) entities
 * are decoded once, so `&amp;lt;` stays `&lt;`; an entity naming no valid character is left as written. A `<` that
 * starts no tag (`a < b`) is text. Runs of three or more line breaks shrink to one blank line, and the result is
 * trimmed, whether or not the input had markup.
 *
 * One pass over the input: time and memory grow linearly with it, whatever it contains.
 *
 * @example
 * htmlToText('<p>Hello&nbsp;<b>team</b>,</p><p>Tom &amp; Jerry &#128075;</p><script>x()</script>'); // 'Hello team,\nTom & Jerry 👋'
 */
export function htmlToText(html: string): string {
  if (!/[<&]/.test(html)) return tidy(html);
  const out: string[] = [];
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      out.push(decodeEntities(html.slice(i)));
      break;
    }
    if (lt > i) out.push(decodeEntities(html.slice(i, lt)));
    const next = html[lt + 1] ?? '';
    if (html.startsWith('<!--', lt)) {
      const close = html.indexOf('-->', lt + 4);
      // An unclosed comment runs to the end, as browsers read it.
      if (close < 0) break;
      i = close + 3;
      continue;
    }
    if (!/[a-zA-Z/!?]/.test(next)) {
      out.push('<');
      i = lt + 1;
      continue;
    }
    const gt = html.indexOf('>', lt);
    if (gt < 0) {
      // No tag can close after this point: the rest is text.
      out.push(decodeEntities(html.slice(lt)));
      break;
    }
    const tag = /^<(\/?)([a-zA-Z][a-zA-Z0-9]*)/.exec(html.slice(lt, Math.min(gt + 1, lt + 64)));
    i = gt + 1;
    if (!tag) continue;
    const closing = tag[1] === '/';
    const name = tag[2]!.toLowerCase();
    if (!closing && DROPPED.has(name) && html[gt - 1] !== '/') {
      const end = new RegExp(`</${name}\\s*>`, 'gi');
      end.lastIndex = i;
      const found = end.exec(html);
      if (!found) break;
      i = found.index + found[0].length;
    } else if (name === 'br' || (closing && LINE_ENDING.has(name))) {
      out.push('\n');
    }
  }
  return tidy(out.join(''));
}

// Elements rich-text editors and mail clients emit. A `<` followed by any other word (`<not a tag>`, `<customer id>`)
// is far likelier to be text someone typed than markup.
const MARKUP =
  /<(?:\/?(?:a|b|i|u|s|p|br|hr|em|strong|span|div|font|small|big|sub|sup|code|pre|blockquote|ul|ol|li|dl|dt|dd|table|thead|tbody|tfoot|tr|td|th|h[1-6]|img|html|head|body|style|script|center|section|article|header|footer|figure|figcaption)(?:\s[^<>]*)?\/?>|!--)/i;

/**
 * Whether a text field that may hold either plain text or HTML (HubSpot's `content`, a pushed payload's body) holds
 * HTML: true when it contains a tag of a common HTML element (`<p>`, `<br/>`, `<div class="x">`, `</b>`) or opens an
 * HTML comment (`<!--`). A `<` before anything else (`<not a tag>`, `a < b`) is read as typed text.
 *
 * Use it to choose between {@link htmlToText} and the text as it is, so a plain-text `<not a tag>` survives.
 *
 * @example
 * looksLikeHtml('<p>Hello</p>'); // true
 * looksLikeHtml('Use <not a tag> & a < b'); // false
 */
export function looksLikeHtml(text: string): boolean {
  return text.includes('<') && MARKUP.test(text);
}

function tidy(text: string): string {
  return text.replace(/\n{3,}/g, '\n\n').trim();
}

function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,6}));/g, (whole, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
    if (name !== undefined) return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
    const code = dec !== undefined ? Number(dec) : Number.parseInt(hex!, 16);
    // Not a character (0, surrogates, beyond Unicode): keep the text rather than throw or invent one.
    if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return whole;
    return code === 0xa0 ? ' ' : String.fromCodePoint(code);
  });
}
