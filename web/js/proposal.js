// proposal.js — the one proposal dialog, whoever made the proposal (the
// agent in chat, the job page's action buttons, an MCP client linking to
// #/proposals/{id}): what would run, on what, its impact, when it expires;
// Confirm stays disabled until a justification is typed and sends one
// confirm frame (the server executes a proposal once); Cancel proposal
// drops it. Outcomes arrive as action_outcome events on the socket.
import { h, $, fill } from './dom.js';
import { atLeast } from './auth.js';
import { when } from './time.js';

export class ProposalDialog {
  constructor(socket, getSession) {
    this.socket = socket;
    this.getSession = getSession;
    this.current = null; // the proposal shown
    this.sent = false; // a confirm frame went for it
    this.done = null; // callback(outcome data) of the proposal shown
    const dlg = $('proposal');
    const just = $('justification');
    const ok = $('proposal-ok');
    this.sync = () => { ok.disabled = this.sent || just.value.trim().length < 5; };
    just.addEventListener('input', this.sync);
    ok.addEventListener('click', () => {
      if (!this.current || ok.disabled) return;
      this.sent = true;
      this.sync();
      const f = { action: 'confirm', proposalId: this.current.proposalId, justification: just.value.trim() };
      if ($('category').value) f.category = $('category').value;
      if ($('ticket').value.trim()) f.ticket = $('ticket').value.trim();
      this.socket.send(f);
      this.status(h('p', { role: 'status' }, 'Executing…'));
    });
    $('proposal-drop').addEventListener('click', () => {
      if (this.current) this.socket.send({ action: 'cancel', proposalId: this.current.proposalId });
    });
    $('proposal-close').addEventListener('click', () => dlg.close());
    socket.addEventListener('frame', (e) => this.onFrame(e.detail));
  }

  onFrame(f) {
    const cur = this.current;
    if (!cur) return;
    const d = f.data || {};
    if (f.type === 'event' && f.kind === 'action_outcome' && d.proposalId === cur.proposalId) {
      this.finish(d);
    } else if (f.type === 'event' && f.kind === 'proposal_canceled' && d.proposalId === cur.proposalId) {
      this.finish({ canceled: true, proposalId: cur.proposalId });
    } else if (f.type === 'error' && f.id === cur.proposalId) {
      this.sent = false;
      this.sync();
      this.status(h('p', { class: 'error', role: 'alert' }, (f.message || f.code) + (f.retryAfter ? ' (retry in ' + f.retryAfter + ' s)' : '')));
    }
  }

  finish(d) {
    const cb = this.done;
    this.current = null;
    this.done = null;
    if ($('proposal').open) $('proposal').close();
    if (cb) cb(d);
  }

  status(el) {
    fill($('proposal-status'), el);
  }

  /**
   * open shows proposal p ({proposalId, action, targets, impact, expiresAt})
   * and calls done with the action_outcome data (or {canceled: true}).
   */
  open(p, done) {
    this.current = p;
    this.done = done || null;
    this.sent = false;
    const s = this.getSession();
    const canConfirm = !!(s && atLeast(s.role, 'operator'));
    fill($('proposal-body'), ...details(p));
    fill($('proposal-status'));
    $('proposal-confirm').hidden = !canConfirm;
    $('proposal-ok').hidden = !canConfirm;
    $('proposal-drop').hidden = !canConfirm;
    $('proposal-viewer').hidden = canConfirm;
    $('justification').value = '';
    $('ticket').value = '';
    $('category').value = '';
    this.sync();
    const dlg = $('proposal');
    if (!dlg.open) dlg.showModal();
    (canConfirm ? $('justification') : $('proposal-close')).focus();
  }

  /** close hides the dialog and forgets the proposal (a reset, a sign-out). */
  close() {
    this.current = null;
    this.done = null;
    if ($('proposal').open) $('proposal').close();
  }
}

const LABEL = { rerun: 'Rerun', hold: 'Hold', release: 'Release', cancel: 'Cancel', kill: 'Kill', 'confirm-succ': 'Confirm SUCC', 'confirm-abend': 'Confirm ABEND' };

/** actionLabel is the button text of an action. */
export function actionLabel(a) {
  return LABEL[a] || a;
}

// details: the impact once — the summary sentence when the server wrote
// one, else the counts — then the successors; the expiry with its date and
// zone and how long is left.
function details(p) {
  const imp = p.impact || {};
  const succ = imp.successors || [];
  const counts = succ.length + ' successor' + (succ.length === 1 ? '' : 's') + ', ' + (imp.critical || 0) + ' critical';
  return [
    h('p', {}, 'Action: ', h('strong', { class: 'proposal-action' }, actionLabel(p.action))),
    h('h3', {}, 'Targets'),
    h('ul', { class: 'list targets' }, (p.targets || []).map((t) => h('li', {}, t.kind + ' ',
      t.kind === 'job' ? h('a', { href: '#/jobs/' + encodeURIComponent(t.id), title: 'id ' + t.id }, t.name) : t.name,
      t.stream || t.workstation ? h('span', { class: 'muted' }, ' ' + [t.stream, t.workstation].filter(Boolean).join(' · ')) : ''))),
    h('h3', {}, 'Impact'),
    h('p', { class: 'impact-summary' }, imp.summary || (succ.length ? counts : 'No successors.')),
    succ.length ? h('ul', { class: 'list successors' }, succ.slice(0, 50).map((t) => h('li', {},
      t.kind === 'job' || !t.kind ? h('a', { href: '#/jobs/' + encodeURIComponent(t.id), title: 'id ' + t.id }, t.name) : t.name))) : null,
    succ.length > 50 ? h('p', { class: 'muted' }, '… and ' + (succ.length - 50) + ' more') : null,
    p.expiresAt ? h('p', { class: 'muted expires' }, 'Expires ', when(p.expiresAt, { rel: true, date: true })) : null,
  ];
}
