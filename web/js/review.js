// review.js — admins: the review queue (answers rated low or caught by the
// auditor: approve with a correction, or reject) and the audit trail.
import { h, $, fill } from './dom.js';
import { api } from './api.js';
import { when } from './time.js';

export async function showReview() {
  loadQueue();
  loadAudit();
}

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
  const correction = h('textarea', { rows: 3, maxlength: 4000, 'aria-label': 'Correction' });
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
  const li = h('li', { class: 'card review', 'data-id': it.id },
    h('p', {}, h('strong', {}, 'Question: '), it.question || '(not recorded)'),
    h('p', { class: 'muted' }, [it.reason, it.detail].filter(Boolean).join(' — '), it.user ? [' (asked by ' + it.user + ', ', when(it.createdAt || it.at), ')'] : ''),
    h('label', {}, 'Answer (edit to correct)'), correction,
    h('div', { class: 'buttons' },
      h('button', { type: 'button', class: 'approve', onclick: () => act('approve', { correction: correction.value.trim() }) }, 'Approve'),
      h('button', { type: 'button', class: 'secondary reject', onclick: () => act('reject', {}) }, 'Reject')),
    status);
  return li;
}

async function loadAudit() {
  const el = $('audit');
  fill(el, h('p', { class: 'muted', role: 'status' }, 'Loading…'));
  try {
    const d = await api('/api/v1/admin/audit');
    const rows = d.entries || [];
    fill(el, rows.length ? h('table', { class: 'table audit' },
      h('thead', {}, h('tr', {}, ['Time', 'User', 'Action', 'Targets', 'Justification', 'Result'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((e) => h('tr', {},
        h('td', {}, when(e.time)), h('td', {}, e.user), h('td', {}, e.action),
        h('td', {}, (e.targets || []).join(', ')), h('td', {}, e.justification || ''), h('td', {}, e.result || '')))))
      : h('p', { class: 'muted' }, 'No entries.'));
  } catch (err) {
    fill(el, h('p', { class: 'error' }, 'Could not load the audit trail: ' + err.message));
  }
}
