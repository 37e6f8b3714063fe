// proposals.js — #/proposals/{id}: a proposal made elsewhere (an MCP client
// that cannot ask for a confirmation links here) loaded from GET
// /api/v1/proposals/{id} and opened in the proposal dialog while it waits;
// a confirmed, canceled or expired one says so.
import { h, $, fill } from './dom.js';
import { api } from './api.js';
import { when } from './time.js';
import { actionLabel } from './proposal.js';
import { chip } from './chips.js';

export async function showProposal(id, dialog) {
  const body = $('prop-body');
  fill(body, h('p', { class: 'muted', role: 'status' }, 'Loading…'));
  let p;
  try {
    p = await api('/api/v1/proposals/' + encodeURIComponent(id));
  } catch (err) {
    fill(body, h('p', { class: 'error', role: 'alert' }, err.status === 404 ? 'No such proposal (or it is another user\'s).' : 'Could not load the proposal: ' + err.message));
    return;
  }
  const expired = p.expiresAt && Date.parse(p.expiresAt) <= Date.now();
  const state = p.status || 'pending';
  const status = h('p', { class: 'prop-status', role: 'status' }, 'Status: ', h('strong', {}, expired && state === 'pending' ? 'expired' : state));
  const review = h('button', { type: 'button', onclick: () => open() }, 'Review and confirm');
  const open = () => dialog.open(p, (out) => {
    fill(status, out.canceled ? 'Canceled; nothing ran.' : [(out.ok ? 'Done: ' : 'Failed: ') + (out.message || out.action), out.replayed ? ' (already done)' : '']);
    status.className = 'prop-status ' + (out.canceled ? 'muted' : out.ok ? 'outcome' : 'outcome bad');
    review.remove();
  });
  const pending = state === 'pending' && !expired;
  fill(body, h('div', { class: 'card' },
    h('p', {}, actionLabel(p.action), ' of ', (p.targets || []).map((t) => t.kind === 'job' ? chip(t) : t.name)),
    h('p', { class: 'muted' }, 'Expires ', when(p.expiresAt, { rel: true, date: true })),
    status,
    p.outcome ? h('p', { class: 'outcome' + (p.outcome.ok ? '' : ' bad') }, p.outcome.message || '') : null,
    pending ? review : null));
  if (pending) open();
}
