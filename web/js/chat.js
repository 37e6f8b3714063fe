// chat.js — the conversation: chat frames out, ack/tool/delta/final/error/
// proposal and action events in; streamed Markdown, citations, proposals
// confirmed with a justification, feedback on each answer.
import { h, $, fill } from './dom.js';
import { render } from './markdown.js';
import { actionLabel } from './proposal.js';
import { enrich, chip, logQuotes, tidy } from './chips.js';
import { citation } from './citations.js';

const CONV_KEY = 'resync.conversation';

export class Chat {
  constructor(socket, getSession, dialog) {
    this.socket = socket;
    this.getSession = getSession;
    this.dialog = dialog; // the ProposalDialog
    this.msgs = new Map(); // message id → view
    this.proposals = new Map(); // proposalId → {frame, view}
    this.conversationId = sessionStorage.getItem(CONV_KEY) || this.newConversation();
    socket.addEventListener('frame', (e) => this.onFrame(e.detail));
    $('ask').addEventListener('submit', (e) => { e.preventDefault(); this.ask(); });
    $('question').addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); this.ask(); }
    });
    $('newconv').addEventListener('click', () => {
      this.reset();
      $('question').focus();
    });
  }

  /** reset starts a new, empty conversation. */
  reset() {
    this.newConversation();
    $('messages').replaceChildren();
    this.msgs.clear();
    this.proposals.clear();
    this.dialog.close();
  }

  newConversation() {
    this.conversationId = crypto.randomUUID();
    sessionStorage.setItem(CONV_KEY, this.conversationId);
    return this.conversationId;
  }

  ask() {
    const q = $('question');
    const text = q.value.trim();
    if (!text) return;
    const id = crypto.randomUUID();
    const agent = $('agent').value;
    $('messages').append(h('div', { class: 'msg user' }, h('span', { class: 'vh' }, 'You: '), text));
    this.view(id);
    this.socket.send({ action: 'chat', id, conversationId: this.conversationId, text, agent });
    q.value = '';
  }

  /** view returns the answer view of a message id, creating it. */
  view(id) {
    let v = this.msgs.get(id);
    if (v) return v;
    const tools = h('ul', { class: 'tools', 'aria-label': 'Tools' });
    const answer = h('div', { class: 'answer', 'aria-busy': 'true' });
    const status = h('p', { class: 'muted status' }, 'Sending…');
    const extra = h('div', { class: 'extra' });
    const el = h('article', { class: 'msg bot', 'data-id': id, 'aria-label': 'Answer' }, status, tools, answer, extra);
    $('messages').append(el);
    v = { id, el, tools, answer, status, extra, text: '', toolItems: new Map(), raf: 0 };
    this.msgs.set(id, v);
    return v;
  }

  onFrame(f) {
    switch (f.type) {
      case 'ack': {
        const v = this.msgs.get(f.id);
        if (v) v.status.textContent = 'Working…';
        break;
      }
      case 'tool': this.onTool(f); break;
      case 'delta': this.onDelta(f); break;
      case 'final': this.onFinal(f); break;
      case 'error': this.onError(f); break;
      case 'proposal': this.onProposal(f); break;
      case 'event': this.onEvent(f); break;
    }
  }

  onTool(f) {
    const v = this.msgs.get(f.id);
    if (!v) return;
    let li = v.toolItems.get(f.name);
    if (!li) {
      li = h('li');
      v.toolItems.set(f.name, li);
      v.tools.append(li);
    }
    li.className = f.status;
    li.textContent = f.name + (f.summary ? ': ' + f.summary : '') + (f.status === 'running' ? '' : ' (' + f.status + ')');
    tidy(li);
    v.status.textContent = f.status === 'running' ? 'Running ' + f.name : 'Working…';
  }

  onDelta(f) {
    const v = this.msgs.get(f.id);
    if (!v) return;
    v.text += f.text;
    if (!v.raf) {
      v.raf = requestAnimationFrame(() => {
        v.raf = 0;
        v.answer.innerHTML = render(logQuotes(v.text));
      });
    }
  }

  onFinal(f) {
    const v = this.view(f.id);
    cancelAnimationFrame(v.raf);
    v.raf = 0;
    v.text = f.text;
    v.answer.innerHTML = render(logQuotes(f.text));
    enrich(v.answer);
    v.answer.removeAttribute('aria-busy');
    v.status.remove();
    v.el.classList.add('done');
    if (f.citations && f.citations.length) {
      v.extra.append(h('ul', { class: 'cites', 'aria-label': 'Sources' }, f.citations.map((c) => h('li', {}, citation(c)))));
    }
    v.extra.append(this.feedbackForm(f.id));
    $('live').textContent = v.answer.textContent.slice(0, 2000);
  }

  onError(f) {
    const v = f.id && (this.msgs.get(f.id) || this.proposalView(f.id));
    const text = (f.message || f.code || 'error') + (f.retryAfter ? ' (retry in ' + f.retryAfter + ' s)' : '');
    if (v && v.el) {
      if (v.status) v.status.remove();
      v.answer.removeAttribute('aria-busy');
      v.extra.append(h('p', { class: 'error', role: 'alert' }, text));
    } else {
      $('messages').append(h('div', { class: 'msg error', role: 'alert' }, text));
    }
  }

  proposalView(proposalId) {
    const p = this.proposals.get(proposalId);
    return p && p.view;
  }

  onProposal(f) {
    const v = this.view(f.id);
    this.proposals.set(f.proposalId, { frame: f, view: v });
    const open = h('button', { type: 'button', class: 'secondary', onclick: () => this.openProposal(f.proposalId) }, 'Review ' + actionLabel(f.action));
    v.extra.append(h('div', { class: 'proposal-note', 'data-proposal': f.proposalId },
      h('p', {}, 'Proposed action: ', h('strong', {}, actionLabel(f.action)), ' on ', (f.targets || []).map((t) => t.kind === 'job' ? chip(t) : t.name)), open));
    this.openProposal(f.proposalId);
  }

  openProposal(proposalId) {
    const p = this.proposals.get(proposalId);
    if (p) this.dialog.open(p.frame);
  }

  onEvent(f) {
    const d = f.data || {};
    if (f.kind === 'action_outcome') {
      // Outcomes of proposals this page did not show (another tab, a
      // replay) are left to the dashboard; each proposal shows one outcome.
      const p = this.proposals.get(d.proposalId);
      if (!p || p.outcome) return;
      p.outcome = true;
      const el = h('p', { class: 'outcome' + (d.ok ? '' : ' bad'), role: 'status' },
        (d.ok ? 'Done: ' : 'Failed: ') + (d.message || d.action) + (d.replayed ? ' (already done)' : ''),
        ...(d.targets || []).filter((t) => t.kind === 'job').map((t) => [' ', h('a', { href: '#/jobs/' + encodeURIComponent(t.id) }, 'Open ' + t.name)]));
      tidy(el);
      p.view.extra.append(el);
      $('live').textContent = el.textContent;
    } else if (f.kind === 'proposal_canceled') {
      const p = this.proposals.get(d.proposalId);
      if (p) p.view.extra.append(h('p', { class: 'muted' }, 'Proposal canceled.'));
    } else if (f.kind === 'feedback_recorded') {
      const form = document.querySelector(`form.feedback[data-id="${CSS.escape(d.messageId || '')}"]`);
      if (form) fill(form, h('span', { class: 'ok', role: 'status' }, 'Thanks for the feedback.'));
    }
  }

  feedbackForm(id) {
    const rating = h('select', { 'aria-label': 'Rating', name: 'rating' },
      h('option', { value: '' }, 'Rate…'), [5, 4, 3, 2, 1].map((n) => h('option', { value: n }, n + ' ' + '★'.repeat(n))));
    const comment = h('input', { 'aria-label': 'Comment', name: 'comment', maxlength: 4000, placeholder: 'Comment (optional)' });
    const form = h('form', { class: 'feedback', 'data-id': id }, rating, comment, h('button', { type: 'submit', class: 'secondary' }, 'Send feedback'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const r = Number(rating.value);
      if (!r) { rating.focus(); return; }
      this.socket.send({ action: 'feedback', messageId: id, rating: r, comment: comment.value.trim() });
    });
    return form;
  }

}
