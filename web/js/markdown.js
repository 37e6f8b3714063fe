// markdown.js — Markdown to sanitised HTML with the vendored marked and DOMPurify.
import { marked } from '../vendor/marked.esm.js';

// DOMPurify's minified build is a classic script (index.html loads it
// before this module) that sets window.DOMPurify.
const DOMPurify = window.DOMPurify;
if (!DOMPurify || !DOMPurify.isSupported) throw new Error('DOMPurify is not loaded');

marked.setOptions({ gfm: true, breaks: false });

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    const href = node.getAttribute('href') || '';
    const m = href.match(/^\/api\/v1\/jobs\/([^/?#]+)/);
    if (m) node.setAttribute('href', '#/jobs/' + m[1]);
    else if (/^https?:/i.test(href)) {
      node.setAttribute('rel', 'noopener noreferrer');
      node.setAttribute('target', '_blank');
    }
  }
});

const PURIFY = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ['style', 'img', 'form', 'input', 'button', 'iframe'],
  FORBID_ATTR: ['style'],
};

/** render returns sanitised HTML for Markdown text. */
export function render(text) {
  return DOMPurify.sanitize(marked.parse(String(text || ''), { async: false }), PURIFY);
}
