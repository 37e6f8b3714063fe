// api.js — the HTTP API with the session's bearer token.
import { session } from './auth.js';
import { loadConfig } from './auth.js';

export class APIError extends Error {
  constructor(status, detail) {
    super(detail || 'HTTP ' + status);
    this.status = status;
  }
}

export async function api(path, { method = 'GET', body } = {}) {
  const cfg = await loadConfig();
  const s = session();
  if (!s) throw new APIError(401, 'signed out');
  const headers = { Authorization: 'Bearer ' + s.token };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch((cfg.apiBase || '') + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!r.ok) {
    if (r.status === 401) window.dispatchEvent(new CustomEvent('resync:unauthorized'));
    throw new APIError(r.status, (data && (data.detail || data.title || data.message)) || r.statusText);
  }
  return data;
}
