// deadletters.js — admins: #/dead-letters, the alerts no Teams or Slack
// channel accepted (GET /api/v1/admin/alerts/dead-letters) and their replay
// (POST .../{id}/replay: audited, sent once however many admins press it).
import { h, $, fill } from './dom.js';
import { api } from './api.js';
import { when } from './time.js';

export async function showDeadLetters() {
  const el = $('dead-letters');
  fill(el, h('p', { class: 'muted', role: 'status' }, 'Loading…'));
  let d;
  try {
    d = await api('/api/v1/admin/alerts/dead-letters');
  } catch (err) {
    fill(el, h('p', { class: 'error', role: 'alert' }, 'Could not load the dead letters: ' + err.message));
    return;
  }
  const rows = (d && d.deadLetters) || [];
  const channels = (d && d.channels) || [];
  const note = h('p', { class: 'muted' }, channels.length ? 'Channels: ' + channels.join(', ') : 'No channel is configured.');
  if (!rows.length) { fill(el, note, h('p', { class: 'muted' }, 'Every alert was delivered.')); return; }
  fill(el, note, h('table', { class: 'table dead-letters' },
    h('thead', {}, h('tr', {}, ['Time', 'Channel', 'Alert', 'Attempts', 'Error', ''].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map(row))));
}

function row(d) {
  const status = h('span', { role: 'status' });
  const replay = h('button', { type: 'button', class: 'secondary', onclick: async () => {
    replay.disabled = true;
    status.textContent = '…';
    try {
      const out = await api('/api/v1/admin/alerts/dead-letters/' + encodeURIComponent(d.id) + '/replay', { method: 'POST' });
      status.textContent = 'Delivered to ' + out.channel + '.';
    } catch (err) {
      status.textContent = 'Replay failed: ' + err.message;
      replay.disabled = err.status === 404; // replayed already: nothing left to send
    }
  } }, 'Replay');
  const attempts = String(d.attempts) + (d.replays ? ' (' + d.replays + ' replays)' : '');
  return h('tr', { 'data-id': d.id },
    h('td', {}, when(d.at, { date: true })), h('td', {}, d.channel),
    h('td', {}, d.title || d.key, h('div', { class: 'muted' }, d.kind || '')),
    h('td', {}, attempts), h('td', {}, d.error || ''), h('td', {}, replay, ' ', status));
}
