// auth.js — sign-in: the local stack's dev token endpoint, or Cognito's
// hosted UI (authorization code with PKCE) in AWS, as config.json says.

const KEY = 'resync.session';

let config = null;

export async function loadConfig() {
  if (config) return config;
  const r = await fetch('config.json', { cache: 'no-store' });
  if (!r.ok) throw new Error('config.json: ' + r.status);
  config = await r.json();
  return config;
}

/** claims decodes a JWT's payload (no verification: the server verifies). */
export function claims(token) {
  try {
    const p = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(Array.from(atob(p), (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join(''));
    return JSON.parse(json);
  } catch {
    return {};
  }
}

const LEVEL = { viewer: 1, operator: 2, admin: 3 };

/** roleOf returns the highest role of the token's cognito:groups claim. */
export function roleOf(token) {
  const groups = claims(token)['cognito:groups'] || [];
  let best = '';
  for (const g of groups) {
    const r = String(g).trim().toLowerCase();
    if ((LEVEL[r] || 0) > (LEVEL[best] || 0)) best = r;
  }
  return best;
}

export function atLeast(role, want) {
  return (LEVEL[role] || 0) >= (LEVEL[want] || 0);
}

/** session returns {token, user, role, expiresAt} or null when signed out or expired. */
export function session() {
  let s;
  try { s = JSON.parse(sessionStorage.getItem(KEY) || 'null'); } catch { s = null; }
  if (!s || !s.token) return null;
  if (Date.parse(s.expiresAt) <= Date.now() + 5000) {
    sessionStorage.removeItem(KEY);
    return null;
  }
  return s;
}

function save(token, expiresAt, refreshToken) {
  const c = claims(token);
  const s = {
    token,
    expiresAt: expiresAt || new Date((c.exp || 0) * 1000).toISOString(),
    user: c['cognito:username'] || c.username || c.sub || '',
    role: roleOf(token),
    refreshToken: refreshToken || undefined,
  };
  sessionStorage.setItem(KEY, JSON.stringify(s));
  return s;
}

export function signOut() {
  sessionStorage.removeItem(KEY);
  const cfg = config;
  if (cfg && cfg.mode === 'cognito' && cfg.cognitoDomain) {
    const u = new URL('/logout', cfg.cognitoDomain);
    u.searchParams.set('client_id', cfg.clientId);
    u.searchParams.set('logout_uri', cfg.logoutUri || location.origin + '/');
    location.assign(u.toString());
  }
}

/** signInLocal asks the dev token endpoint for a token. */
export async function signInLocal(user, role) {
  const cfg = await loadConfig();
  const r = await fetch(cfg.tokenEndpoint || '/local/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user, role }),
  });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.message || 'sign-in failed: ' + r.status);
  return save(body.token, body.expiresAt);
}

function b64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** signInCognito redirects to the hosted UI (authorization code + PKCE). */
export async function signInCognito() {
  const cfg = await loadConfig();
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem('resync.pkce', JSON.stringify({ verifier, state, hash: location.hash }));
  const u = new URL('/oauth2/authorize', cfg.cognitoDomain);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('client_id', cfg.clientId);
  u.searchParams.set('redirect_uri', cfg.redirectUri || location.origin + '/');
  u.searchParams.set('scope', cfg.scope || 'openid email profile');
  u.searchParams.set('state', state);
  u.searchParams.set('code_challenge_method', 'S256');
  u.searchParams.set('code_challenge', challenge);
  location.assign(u.toString());
}

/** completeCognito finishes the redirect: ?code=&state= → tokens. Returns the session or null. */
export async function completeCognito() {
  const q = new URLSearchParams(location.search);
  const code = q.get('code');
  if (!code) return null;
  const cfg = await loadConfig();
  const pkce = JSON.parse(sessionStorage.getItem('resync.pkce') || '{}');
  sessionStorage.removeItem('resync.pkce');
  // Drop the code from the address; go back to the page signed in from.
  history.replaceState(null, '', location.pathname + (pkce.hash || location.hash));
  if (!pkce.state || pkce.state !== q.get('state')) throw new Error('sign-in: the state does not match; try again');
  const r = await fetch(new URL('/oauth2/token', cfg.cognitoDomain), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', client_id: cfg.clientId, code,
      redirect_uri: cfg.redirectUri || location.origin + '/', code_verifier: pkce.verifier,
    }),
  });
  const body = await r.json().catch(() => ({}));
  if (!r.ok || !body.id_token) throw new Error('sign-in: token exchange failed (' + r.status + ')');
  // The ID token carries cognito:groups, which the API and the WebSocket read.
  return save(body.id_token, new Date(Date.now() + (body.expires_in || 3600) * 1000).toISOString(), body.refresh_token);
}

/**
 * refresh gets a fresh token for the signed-in user before the current one
 * expires — Cognito's refresh-token grant, or the dev endpoint again — and
 * returns the new session (null when it cannot). The socket then sends it in
 * an auth frame, so the connection and the conversation go on.
 */
export async function refresh() {
  const s = session();
  if (!s) return null;
  const cfg = await loadConfig();
  if (cfg.mode !== 'cognito') return signInLocal(s.user, s.role);
  if (!s.refreshToken) return null;
  const r = await fetch(new URL('/oauth2/token', cfg.cognitoDomain), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: cfg.clientId, refresh_token: s.refreshToken }),
  });
  const body = await r.json().catch(() => ({}));
  if (!r.ok || !body.id_token) return null;
  return save(body.id_token, new Date(Date.now() + (body.expires_in || 3600) * 1000).toISOString(), s.refreshToken);
}
