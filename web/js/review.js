// review.js — admins: the review queue (answers rated low or caught by the
// auditor: the question, the answer, the jobs it cited and why it was
// flagged; approve with a correction, or reject) and the audit trail
// (audit.js).
import { h, $, fill } from './dom.js';
import { api } from './api.js';
import { when } from './time.js';
import { render } from './markdown.js';
import { chip, enrich, logQuotes } from './chips.js';
import { Audit } from './audit.js';

let audit = null;

export async function showReview() {
  loadQueue();
  if (!audit) audit = new Audit($('audit'));
  audit.show();
}

// Why an item is in the queue, in words.
const REASONS = {
  'low rating': 'Rated low by the user who asked',
  'unknown job': 'The answer names a job the plan does not have',
  'contradicts plan status': 'The answer contradicts the plan\'s status',
};

async function loadQueue() {
  const el = $('review-queue');
  fill(el, h('p', { class: 'muted', role: 'status' }, 'Loading…'));
  let d;
  try {
    d = await api('/api/v1/admin/reviews?status=open');
  } catch (err) {
    fill(el, h('p', { class: 'error' }, 'Could not load the review queue: ' + err.message));
    return;
  }
  const items = (d && (d.items || d.reviews)) || [];
  const note = d && d.available === false ? h('p', { class: 'muted' }, d.note || 'The review queue is not available here.') : null;
  if (!items.length) { fill(el, note, h('p', { class: 'muted' }, 'Nothing to review.')); return; }
  fill(el, note, h('ul', { class: 'list reviews' }, items.map(reviewItem)));
}

function reviewItem(it) {
  const n = it.id;
  const correction = h('textarea', { rows: 3, maxlength: 4000, id: 'corr-' + n });
  correction.value = it.answer || it.text || '';
  const status = h('p', { role: 'status' });
  const act = async (verb, body) => {
    status.textContent = '…';
    try {
      await api('/api/v1/admin/reviews/' + encodeURIComponent(it.id) + '/' + verb, { method: 'POST', body });
      status.textContent = verb === 'approve' ? 'Approved.' : 'Rejected.';
      for (const b of li.querySelectorAll('button')) b.disabled = true;
    } catch (err) {
      status.textContent = verb + ' failed: ' + err.message;
    }
  };
  const answer = h('div', { class: 'review-answer' });
  if (it.answer) {
    answer.innerHTML = render(logQuotes(it.answer));
    enrich(answer);
  } else answer.append(h('p', { class: 'muted' }, '(not recorded)'));
  const cited = it.cited || [];
  const li = h('li', { class: 'card review', 'data-id': it.id, 'aria-labelledby': 'rq-' + n },
    h('h4', { id: 'rq-' + n, class: 'review-reason' }, REASONS[it.reason] || it.reason || 'Flagged'),
    it.detail ? h('p', { class: 'review-detail' }, it.detail) : null,
    h('p', { class: 'muted' }, it.user ? 'Asked by ' + it.user + ', ' : '', when(it.createdAt || it.at, { date: true })),
    h('dl', { class: 'kv review-kv' },
      h('dt', {}, 'Question'), h('dd', { class: 'review-question' }, it.question || '(not recorded)'),
      h('dt', {}, 'Answer'), h('dd', {}, answer),
      h('dt', {}, 'Cited'), h('dd', { class: 'review-cited' }, cited.length
        ? h('ul', { class: 'cites', 'aria-label': 'Jobs the answer cited' }, cited.map((j) => h('li', {}, chip({ id: j.id, name: j.name || j.id }))))
        : h('span', { class: 'muted' }, 'No plan data cited.'))),
    h('label', { for: 'corr-' + n }, 'Correction (the answer as it should be)'), correction,
    h('div', { class: 'buttons' },
      h('button', { type: 'button', class: 'approve', onclick: () => act('approve', { correction: correction.value.trim() }) }, 'Approve'),
      h('button', { type: 'button', class: 'secondary reject', onclick: () => act('reject', {}) }, 'Reject')),
    status);
  return li;
}
