// citations.js — where a citation in an answer leads, and the log view
// that shows cited lines.
//
// An answer cites a job (its page), a log (the job page's log tail, read
// with the tail the agent read, the cited lines marked and scrolled to), a
// runbook section (the documents page opened at that section), a job
// stream or a workstation (their pages). The agent numbers log lines from
// the first line of the tail it read (shared/app/agent cite): the job page
// reads the same tail, so line n here is line n there.
import { h } from './dom.js';

const JOB_URL = /^\/api\/v1\/jobs\/([^/?#]+)(\/log)?(?:\?(.*))?$/;

/** citationHref returns the console address a citation {kind, id, url, lines, section} opens, or ''. */
export function citationHref(c) {
  const m = (c.url || '').match(JOB_URL);
  if (c.kind === 'log' && m) {
    const q = new URLSearchParams({ log: '1' });
    const tail = new URLSearchParams(m[3] || '').get('tail');
    if (tail) q.set('tail', tail);
    if (c.lines) q.set('lines', c.lines);
    if (c.id) q.set('run', c.id);
    return '#/jobs/' + m[1] + '?' + q.toString();
  }
  if (m) return '#/jobs/' + m[1];
  if (c.kind === 'job') return '#/jobs/' + encodeURIComponent(c.id);
  if (c.kind === 'document') {
    return '#/documents/' + encodeURIComponent(c.id) + (c.section ? '?' + new URLSearchParams({ section: c.section }).toString() : '');
  }
  const q = new URLSearchParams((c.url || '').split('?')[1] || '');
  if (c.kind === 'jobstream' && (q.get('stream') || c.label)) return '#/streams/' + encodeURIComponent(q.get('stream') || c.label);
  if (c.kind === 'workstation' && (q.get('workstation') || c.label)) return '#/workstations/' + encodeURIComponent(q.get('workstation') || c.label);
  return '';
}

/** citation returns the link (or, with nowhere to go, the badge) of a citation. */
export function citation(c) {
  const label = c.label || c.id;
  const href = citationHref(c);
  const text = c.kind + ': ' + label + (c.lines ? ' (lines ' + c.lines + ')' : '') + (c.section && !label.includes('§') ? ' § ' + c.section : '');
  return href ? h('a', { href, 'data-kind': c.kind }, text) : h('span', { class: 'badge' }, text);
}

/** parseLines reads "3-5,9" into a Set of line numbers (at most 10 000). */
export function parseLines(spec) {
  const out = new Set();
  for (const part of String(spec || '').split(',')) {
    const m = part.trim().match(/^(\d{1,6})(?:-(\d{1,6}))?$/);
    if (!m) continue;
    const from = +m[1];
    const to = m[2] ? +m[2] : from;
    for (let n = from; n <= to && out.size < 10000; n++) out.add(n);
  }
  return out;
}

/**
 * logView returns a <pre> of text with numbered lines; the lines in cited
 * (a Set) are marked. scrollToCited scrolls to and focuses the first one.
 */
export function logView(text, cited = new Set()) {
  const lines = String(text || '').replace(/\n$/, '').split('\n');
  const pre = h('pre', { class: 'log numbered', tabindex: '0', 'aria-label': cited.size ? 'Job log, cited lines marked' : 'Job log' },
    lines.map((l, i) => {
      const n = i + 1;
      const mark = cited.has(n);
      return h(mark ? 'mark' : 'span', { class: 'll' + (mark ? ' cited' : ''), 'data-n': n },
        h('span', { class: 'ln', 'data-n': n, 'aria-hidden': 'true' }), l, '\n');
    }));
  return pre;
}

/** scrollToCited brings the first cited line of a logView into view. */
export function scrollToCited(pre) {
  const first = pre.querySelector('.ll.cited');
  if (!first) return;
  pre.scrollTop = Math.max(0, first.offsetTop - pre.offsetTop - 2 * first.offsetHeight);
  pre.closest('.card').scrollIntoView({ block: 'start' });
  pre.focus({ preventScroll: true });
}
