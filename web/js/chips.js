// chips.js — answers that read well: a job named in an answer becomes a
// chip (its name, a dot in its status colour, a link to its page, its id on
// hover), the ids that clutter a line move into a tooltip, quoted log lines
// become a numbered monospace block with the error lines marked, and the
// times written in UTC are shown in the plan's zone.
import { h } from './dom.js';
import { api } from './api.js';
import { zoneTimes } from './time.js';

const statuses = new Map(); // job id → Promise of its internal status
const MAX_LOOKUPS = 25; // per answer: a long list does not fire a hundred requests

function statusOf(id) {
  let p = statuses.get(id);
  if (!p) {
    p = api('/api/v1/jobs/' + encodeURIComponent(id)).then((d) => (d && d.job && d.job.internalStatus) || '', () => '');
    statuses.set(id, p);
  }
  return p;
}

/** forget drops the cached status of a job (after an action on it). */
export function forget(id) {
  statuses.delete(id);
}

/** chip returns a job chip for {id, name, internalStatus?}. */
export function chip(j, { lookup = true } = {}) {
  const dot = h('span', { class: 'dot', 'aria-hidden': 'true' });
  const st = h('span', { class: 'vh st' });
  const a = h('a', { class: 'chip', href: '#/jobs/' + encodeURIComponent(j.id), title: 'id ' + j.id, 'data-id': j.id }, dot, h('span', { class: 'name' }, j.name || j.id), st);
  const set = (s) => {
    if (!s) return;
    a.dataset.status = s;
    st.textContent = ' (' + s + ')';
  };
  if (j.internalStatus) set(j.internalStatus);
  else if (lookup) statusOf(j.id).then(set);
  return a;
}

// NAME (id ID) or STREAM.NAME (id ID): how answers name plan objects; a
// dotted name is a job. "(id ID, TYPE)" is a workstation.
const LABEL = /([A-Za-z0-9_\-#]+(?:\.[A-Za-z0-9_\-]+)?) \(id ([A-Za-z0-9_\-:]+)(, [^)]*)?\)/g;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const JOB_HREF = /^#\/jobs\/([^/?#]+)/;

/** enrich rewrites a rendered answer in place (see the file comment). */
export function enrich(root) {
  logBlocks(root);
  let lookups = 0;
  const lookup = () => lookups++ < MAX_LOOKUPS;
  for (const a of root.querySelectorAll('a[href^="#/jobs/"]')) {
    const m = a.getAttribute('href').match(JOB_HREF);
    if (!m || a.classList.contains('chip')) continue;
    a.replaceWith(chip({ id: decodeURIComponent(m[1]), name: a.textContent }, { lookup: lookup() }));
  }
  replaceText(root, LABEL, (m, name, id, rest) => {
    if (name.includes('.') && !rest) return chip({ id, name }, { lookup: lookup() });
    return [h('span', { class: 'ref', title: 'id ' + id }, name), rest ? ' (' + rest.slice(2) + ')' : ''];
  });
  replaceText(root, UUID, (m) => h('span', { class: 'uuid', title: m }, m.slice(0, 8) + '…'));
  zoneTimes(root);
}

/** tidy moves the UUIDs of a line (tool activity, an outcome) into tooltips. */
export function tidy(el) {
  replaceText(el, UUID, (m) => h('span', { class: 'uuid', title: m }, m.slice(0, 8) + '…'));
  return el;
}

// replaceText replaces each match of re in the text under root (outside
// code, links and chips) with what fn returns.
function replaceText(root, re, fn) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => (n.parentElement.closest('code, pre, a, time, .ref, .uuid') ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
  });
  const hits = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    re.lastIndex = 0;
    if (re.test(n.data)) hits.push(n);
  }
  for (const n of hits) {
    const parts = [];
    let last = 0;
    for (const m of n.data.matchAll(re)) {
      parts.push(n.data.slice(last, m.index), fn(...m));
      last = m.index + m[0].length;
    }
    parts.push(n.data.slice(last));
    n.replaceWith(...parts.flat().filter((p) => p !== ''));
  }
}

// Lines that read as trouble (the offline model's rule for what to quote).
const TROUBLE = /error|fail|abend|exception|fatal|exit status|return code|\brc\s*=|killed|segmentation|denied|not found|timed? ?out|severe|traceback|panic|core dump/i;
const QUOTED = /^\s*line (\d+): ?(.*)$/;

/**
 * logQuotes turns runs of "  line N: text" lines of an answer's Markdown
 * into a fenced block, so they render as one <pre> instead of running
 * together into a paragraph; logBlocks then numbers it.
 */
export function logQuotes(md) {
  const out = [];
  let run = [];
  const flush = () => {
    if (run.length) out.push('', '~~~resync-log', ...run, '~~~', '');
    run = [];
  };
  for (const line of String(md || '').split('\n')) {
    const m = line.match(QUOTED);
    if (m) run.push(m[1] + ':' + m[2]);
    else { flush(); out.push(line); }
  }
  flush();
  return out.join('\n');
}

// logBlocks numbers the quoted log blocks (and ```log fences of a model):
// one line per row, its number apart (not copied with the text), error
// lines marked.
function logBlocks(root) {
  for (const code of root.querySelectorAll('pre > code.language-resync-log, pre > code.language-log')) {
    const numbered = code.classList.contains('language-resync-log');
    const lines = code.textContent.replace(/\n$/, '').split('\n');
    const rows = lines.map((l, i) => {
      let n = String(i + 1);
      let text = l;
      if (numbered) {
        const k = l.indexOf(':');
        n = l.slice(0, k);
        text = l.slice(k + 1);
      }
      const bad = TROUBLE.test(text);
      return h('span', { class: 'll' + (bad ? ' err' : '') }, h('span', { class: 'ln', 'data-n': n }), bad ? h('span', { class: 'vh' }, 'error line ') : '', text, '\n');
    });
    code.parentElement.replaceWith(h('pre', { class: 'logquote', tabindex: '0', 'aria-label': 'Quoted log lines' }, h('code', {}, rows)));
  }
}
