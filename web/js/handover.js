// handover.js — #/handover[?shift=previous]: the shift handover digest
// (GET /api/v1/handover): failures, recoveries, actions with who and why,
// what is late or at risk, open prompts — each line with its citation and,
// for jobs, a link to the job page.
import { h, $, fill } from './dom.js';
import { api } from './api.js';
import { when } from './time.js';

const PARTS = [
  ['failures', 'Failures'], ['recoveries', 'Recoveries'], ['actions', 'Actions taken'],
  ['late', 'Still late'], ['atRisk', 'Critical jobs at risk'], ['prompts', 'Open prompts'],
];

export async function showHandover(query) {
  const shift = new URLSearchParams(query || '').get('shift') === 'previous' ? 'previous' : 'current';
  const el = $('handover');
  const tabs = h('p', { class: 'buttons' },
    h('a', { href: '#/handover', 'aria-current': shift === 'current' ? 'page' : null }, 'Shift under way'), ' · ',
    h('a', { href: '#/handover?shift=previous', 'aria-current': shift === 'previous' ? 'page' : null }, 'Last shift'));
  fill(el, tabs, h('p', { class: 'muted', role: 'status' }, 'Loading…'));
  let d;
  try {
    d = await api('/api/v1/handover?shift=' + shift);
  } catch (err) {
    fill(el, tabs, h('p', { class: 'error', role: 'alert' }, 'Could not load the handover: ' + err.message));
    return;
  }
  fill(el, tabs,
    h('p', {}, h('strong', {}, 'Shift ' + d.shift + ' ' + (d.timeZone || '')), ' (', when(d.from, { date: true }), ' to ', when(d.to, { date: true }), ', ', d.complete ? 'ended' : 'under way', ')'),
    (d.missing || []).length ? h('p', { class: 'error', role: 'alert' }, 'Partial: ' + d.missing.join('; ')) : null,
    PARTS.map(([key, title]) => part(title, d[key] || [])));
}

function part(title, items) {
  return h('section', { class: 'handover-part' },
    h('h3', {}, title + ' (' + items.length + ')'),
    items.length ? h('ul', { class: 'list' }, items.map((it) => h('li', {},
      it.link ? h('a', { href: it.link }, it.text) : it.text,
      ' ', h('span', { class: 'muted' }, '[' + it.cite + ']'))))
      : h('p', { class: 'muted' }, 'None.'));
}
