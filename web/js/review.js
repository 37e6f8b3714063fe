// review.js — admins: the review queue and the audit trail of actions.
// The review queue's API (GET /api/v1/admin/reviews and its approve/reject
// routes) is not in shared/routes yet, so the page says so instead of
// calling a route that does not exist.
import { h, $, fill, fmtTime } from './dom.js';
import { api } from './api.js';

export async function showReview() {
  fill($('review-queue'), h('p', { class: 'muted' }, 'The review queue is not available yet: the server has no review API (GET /api/v1/admin/reviews).'));
  const el = $('audit');
  fill(el, h('p', { class: 'muted', role: 'status' }, 'Loading…'));
  try {
    const d = await api('/api/v1/admin/audit');
    const rows = d.entries || [];
    fill(el, rows.length ? h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, ['Time', 'User', 'Action', 'Targets', 'Justification', 'Result'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((e) => h('tr', {},
        h('td', {}, fmtTime(e.time)), h('td', {}, e.user), h('td', {}, e.action),
        h('td', {}, (e.targets || []).join(', ')), h('td', {}, e.justification || ''), h('td', {}, e.result || '')))))
      : h('p', { class: 'muted' }, 'No entries.'));
  } catch (err) {
    fill(el, h('p', { class: 'error' }, 'Could not load the audit trail: ' + err.message));
  }
}
