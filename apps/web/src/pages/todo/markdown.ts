// A comment's Markdown as safe HTML: marked turns the source into HTML, DOMPurify keeps the
// subset below. Loaded on demand (Markdown.tsx), so the details page's first load does not
// carry either library. Only the web app renders: the API, the history, the feeds and the
// e-mails keep the comment's text as it was typed.

import DOMPurify from 'dompurify';
import { Marked } from 'marked';

/** Paragraphs, emphasis, strong, code, code blocks, lists, links and quotes; nothing else. */
const ALLOWED_TAGS = [
  'p',
  'br',
  'em',
  'strong',
  'del',
  'code',
  'pre',
  'ul',
  'ol',
  'li',
  'a',
  'blockquote',
];
/** Links go to the web or to a mail program; `javascript:`, `data:` and the rest do not. */
const ALLOWED_URI_REGEXP = /^(?:https?:|mailto:)/i;

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

// Raw HTML and images are written out as the text that was typed, never as elements:
// `<img src=x onerror=…>` reads as itself. DOMPurify below is the second guard.
const marked = new Marked({
  async: false,
  gfm: true,
  breaks: true,
  renderer: {
    html: ({ text }) => escapeHtml(text),
    image: ({ text }) => escapeHtml(text),
  },
});

const purify = DOMPurify();
purify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName !== 'A') return;
  if (node.hasAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

/**
 * The comment's Markdown source as sanitized HTML. DOMPurify parses the string in an
 * inert document (no script runs, no image loads, no handler fires) and answers a string;
 * only that string reaches the page.
 */
export function renderMarkdown(source: string): string {
  const html = marked.parse(source) as string;
  return purify.sanitize(html, {
    ALLOWED_TAGS,
    // `target` and `rel` are set by the hook above, after this list is applied.
    ALLOWED_ATTR: ['href', 'start'],
    ALLOWED_URI_REGEXP,
  });
}
