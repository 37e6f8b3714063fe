// main.js — boots the client: sign-in, the WebSocket, and hash routing
// between chat, dashboard, timeline (timeline.js, loaded on first use),
// job detail, documents and review.
import { $, fill, h } from './dom.js';
import { loadConfig, session, signInLocal, signInCognito, completeCognito, signOut, atLeast, refresh } from './auth.js';
import { Socket } from './socket.js';
import { Chat } from './chat.js';
import { Dashboard } from './dashboard.js';
import { showJob } from './job.js';
import { Documents } from './documents.js';
import { showReview } from './review.js';
import { showDeadLetters } from './deadletters.js';
import { showHandover } from './handover.js';
import { ProposalDialog } from './proposal.js';
import { showProposal } from './proposals.js';
import { api } from './api.js';
import { showSearch, showStream, showWorkstation, resetSearch } from './search.js';
import { setZone, planZone } from './time.js';
import { Alerts } from './alerts.js';

let cfg;
let socket;
let pages;
let dialog;
let zoneLoaded = null;

// loadZone reads the plan's time zone once per sign-in (HWA's engine
// info); until it answers, and if it cannot, times show in UTC, named so.
function loadZone() {
  if (!zoneLoaded) {
    zoneLoaded = api('/api/v1/plan/info').then((i) => { setZone(i.timeZone || 'UTC'); }, () => { zoneLoaded = null; })
      .then(() => { $('planzone').textContent = 'Plan time: ' + planZone(); });
  }
  return zoneLoaded;
}

async function boot() {
  try {
    cfg = await loadConfig();
    if (cfg.mode === 'cognito') await completeCognito();
  } catch (err) {
    showSignIn(err.message);
    return;
  }
  $('signin-form').addEventListener('submit', onSignIn);
  $('find').addEventListener('submit', (e) => {
    e.preventDefault();
    const q = $('find-q').value.trim();
    location.hash = '#/search' + (q ? '?' + new URLSearchParams({ q }).toString() : '');
    $('find-q').value = '';
  });
  $('signout').addEventListener('click', () => { stop(); signOut(); showSignIn(); });
  window.addEventListener('resync:unauthorized', () => { stop(); signOut(); showSignIn('Your session has ended; sign in again.'); });
  if (session()) start(); else showSignIn();
}

function showSignIn(message = '') {
  showPage('signin');
  $('nav').hidden = true;
  $('find').hidden = true;
  $('signout').hidden = true;
  $('whoami').textContent = '';
  $('conn').textContent = '';
  const local = !cfg || cfg.mode !== 'cognito';
  $('signin-local').hidden = !local;
  $('signin-user').required = local; // a hidden required field would block the submit
  $('signin-mode').textContent = local
    ? 'Local stack: the dev token endpoint signs you in as any user and role.'
    : 'You sign in with your organisation account.';
  $('signin-go').textContent = local ? 'Sign in' : 'Sign in with Cognito';
  $('signin-error').textContent = message;
  (local ? $('signin-user') : $('signin-go')).focus();
}

async function onSignIn(e) {
  e.preventDefault();
  $('signin-error').textContent = '';
  try {
    if (cfg.mode === 'cognito') { await signInCognito(); return; }
    await signInLocal($('signin-user').value.trim(), $('signin-role').value);
    start();
  } catch (err) {
    $('signin-error').textContent = err.message;
  }
}

function wsURL() {
  const s = session();
  if (!s) return null;
  const base = cfg.wsUrl || (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
  return base + '?token=' + encodeURIComponent(s.token);
}

let expiry = 0;
let renewal = 0;
const RENEW_BEFORE_MS = 2 * 60 * 1000;

// renew fetches a fresh token and sends it on the open socket (an auth
// frame): the server binds the connection to the new expiry and roles.
async function renew() {
  clearTimeout(renewal);
  let s = null;
  try { s = await refresh(); } catch { s = null; }
  if (!s) return; // the expiry timer signs the user out
  if (socket) socket.send({ action: 'auth', token: s.token });
  schedule(s);
}

function schedule(s) {
  clearTimeout(expiry);
  clearTimeout(renewal);
  const left = Date.parse(s.expiresAt) - Date.now();
  expiry = setTimeout(() => window.dispatchEvent(new CustomEvent('resync:unauthorized')), Math.max(0, left));
  renewal = setTimeout(renew, Math.max(0, left - RENEW_BEFORE_MS));
}

function start() {
  const s = session();
  if (!s) { showSignIn(); return; }
  $('whoami').textContent = s.user + ' (' + (s.role || 'no role') + ')';
  $('signout').hidden = false;
  $('nav').hidden = false;
  $('find').hidden = false;
  for (const el of document.querySelectorAll('[data-role]')) el.hidden = !atLeast(s.role, el.dataset.role);
  if ($('agent').selectedOptions[0].hidden) $('agent').value = 'analyst';
  schedule(s);
  if (!socket) {
    socket = new Socket(() => {
      const url = wsURL();
      if (!url) setTimeout(() => window.dispatchEvent(new CustomEvent('resync:unauthorized')));
      return url;
    }, { keepaliveSeconds: cfg.keepaliveSeconds });
    // The server refuses frames once the token has expired: renew at once.
    socket.addEventListener('frame', (e) => { if (e.detail.type === 'error' && e.detail.code === 'token_expired') renew(); });
    socket.addEventListener('state', (e) => {
      const d = e.detail;
      const text = { connecting: 'Connecting…', open: 'Connected', reconnecting: `Reconnecting in ${Math.round((d.delay || 0) / 1000)} s…`, closed: 'Disconnected' }[d.state] || '';
      $('conn').textContent = text;
      $('conn').dataset.state = d.state;
    });
    dialog = new ProposalDialog(socket, session);
    pages = {
      chat: new Chat(socket, session, dialog),
      dashboard: new Dashboard(socket),
      documents: new Documents(socket),
      alerts: new Alerts(socket, session),
    };
    window.addEventListener('hashchange', route);
  }
  socket.open();
  loadZone().then(() => { pages.alerts.start(); route(); });
}

function stop() {
  clearTimeout(expiry);
  clearTimeout(renewal);
  zoneLoaded = null;
  resetSearch();
  if (socket) socket.close();
  // The next user starts with an empty conversation.
  if (pages) { pages.chat.reset(); pages.alerts.stop(); }
}

function showPage(name) {
  for (const el of document.querySelectorAll('.page')) el.hidden = el.id !== 'page-' + name;
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.page === name) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
}

function route() {
  const s = session();
  if (!s) { showSignIn(); return; }
  const [, rawPage = 'chat', arg = ''] = location.hash.split('/');
  const page = rawPage.split('?')[0];
  pages.dashboard.hide();
  pages.documents.hide();
  switch (page) {
    case 'dashboard': showPage('dashboard'); pages.dashboard.show(); break;
    case 'search': showPage('search'); showSearch(); break;
    case 'handover': showPage('handover'); showHandover(rawPage.split('?')[1]); break;
    case 'streams': showPage('object'); showStream(decodeURIComponent(arg)); break;
    case 'workstations': showPage('object'); showWorkstation(decodeURIComponent(arg)); break;
    case 'timeline': showPage('timeline'); import('./timeline.js').then((m) => m.showTimeline(), (err) => fill($('tl-body'), h('p', { class: 'error', role: 'alert' }, 'Could not load the timeline: ' + err.message))); break;
    case 'jobs': {
      const [jid, qs = ''] = arg.split('?'); // ?log=1&tail=&lines=&run= from a log citation
      showPage('job'); showJob(decodeURIComponent(jid), { session, dialog, cite: new URLSearchParams(qs) }); break;
    }
    case 'proposals':
      if (!atLeast(s.role, 'operator')) return denied('proposals');
      showPage('proposal'); showProposal(decodeURIComponent(arg), dialog); break;
    case 'documents':
      if (!atLeast(s.role, 'operator')) return denied('documents');
      showPage('documents'); pages.documents.show(decodeURIComponent(arg)); break;
    case 'review':
      if (!atLeast(s.role, 'admin')) return denied('review');
      showPage('review'); showReview(); break;
    case 'dead-letters':
      if (!atLeast(s.role, 'admin')) return denied('dead letters');
      showPage('dead-letters'); showDeadLetters(); break;
    default: showPage('chat'); $('question').focus(); return;
  }
  $('main').focus();
}

function denied(name) {
  showPage('job');
  $('job-h').textContent = 'Not allowed';
  fill($('job-body'), h('p', {}, 'Your role cannot open ' + name + '.'));
}

boot();
