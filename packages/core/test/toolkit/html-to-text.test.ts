import { describe, expect, it } from 'vitest';
import { htmlToText, looksLikeHtml } from '../../src/toolkit/html-to-text.js';

describe('htmlToText', () => {
  it('keeps what the Zendesk copy did: <br> in every spelling, closing p/div/li as line breaks, entities, trimming', () => {
    expect(htmlToText('<div><p>Hello &amp; <b>welcome</b></p><p>Line&nbsp;2</p></div>')).toBe('Hello & welcome\nLine 2');
    expect(htmlToText('one<br>two<br/>three<br />four<BR class="x">five')).toBe('one\ntwo\nthree\nfour\nfive');
    expect(htmlToText('<ul><li>a</li><li>b</li></ul>')).toBe('a\nb');
    expect(htmlToText('&lt;tag&gt; &quot;q&quot; &#39;s&#39;')).toBe('<tag> "q" \'s\'');
    expect(htmlToText('<p>a</p>\n\n\n\n<p>b</p>')).toBe('a\n\nb');
    expect(htmlToText('  <p> padded </p>  ')).toBe('padded');
  });

  it('keeps what the HubSpot copy did: scripts and styles dropped, headings and rows as lines, numeric entities', () => {
    expect(htmlToText('<p>Hello&nbsp;<b>team</b>,</p><p>Tom &amp; Jerry said &quot;hi&quot; &#128075;</p><script>alert(1)</script>')).toBe('Hello team,\nTom & Jerry said "hi" 👋');
    expect(htmlToText('<style>p { color: red }</style><h1>Title</h1><table><tr><td>a</td></tr><tr><td>b</td></tr></table>')).toBe('Title\na\nb');
    expect(htmlToText('Plain text without markup')).toBe('Plain text without markup');
  });

  it('decodes each entity once, hex ones too, and leaves invalid ones as written instead of throwing', () => {
    expect(htmlToText('&amp;lt;b&amp;gt;')).toBe('&lt;b&gt;');
    expect(htmlToText('&#x1F44B; &#X41;')).toBe('👋 A');
    expect(htmlToText('&#99999999; &#xD800; &#0; &bogus;')).toBe('&#99999999; &#xD800; &#0; &bogus;');
    expect(htmlToText('a&#160;b')).toBe('a b');
  });

  it('treats a < that starts no tag as text, drops comments, and survives unclosed markup', () => {
    expect(htmlToText('<p>if a < b and c <= d</p>')).toBe('if a < b and c <= d');
    expect(htmlToText('before<!-- <p>hidden</p> -->after')).toBe('beforeafter');
    expect(htmlToText('text <b unclosed')).toBe('text <b unclosed');
    expect(htmlToText('kept<script>never closed')).toBe('kept');
    expect(htmlToText('<SCRIPT type="x">a</script >shown')).toBe('shown');
  });

  it('runs in linear time on hostile input', () => {
    const hostile = '<a'.repeat(200_000) + '<script>'.repeat(50_000) + '&#'.repeat(100_000);
    const started = performance.now();
    htmlToText(hostile);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('tells markup from typed text that happens to hold angle brackets', () => {
    for (const html of ['<p>Hello</p>', 'Line<br>next', 'Line<BR/>next', '<div class="x">a</div>', 'a</b>', 'x<!-- c', '<a href="/t">t</a>']) {
      expect(looksLikeHtml(html), html).toBe(true);
    }
    for (const text of ['Use <not a tag> here', 'a < b > c', '<customer id>', 'a<b', '<>', '', 'Tom & Jerry', '<paragraph>', '<brand new>']) {
      expect(looksLikeHtml(text), text).toBe(false);
    }
  });

  it('decides markup in linear time on hostile input', () => {
    const hostile = '<!-'.repeat(100_000) + '<p '.repeat(100_000) + '<a x'.repeat(100_000);
    const started = performance.now();
    expect(looksLikeHtml(hostile)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
