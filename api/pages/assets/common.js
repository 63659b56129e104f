/* global document, window, sessionStorage, fetch, XMLHttpRequest */
// Shared helpers for the kinfinder pages: plain browser JavaScript, no build step, no library.

export const API = '/api/v1';

/** The page's language (the server negotiated it and wrote it on <html>). */
export const LANG = document.documentElement.lang || 'en';

let catalogue = null;
/** The messages the server put in the page (layout.ts, #kf-messages), read once. */
function messages() {
  if (!catalogue) {
    const node = document.getElementById('kf-messages');
    try {
      catalogue = node ? JSON.parse(node.textContent || '{}') : {};
    } catch {
      catalogue = {};
    }
  }
  return catalogue;
}

/**
 * A message in the page's language: `t('family:sent', {count: 3})`. The same catalogue and the
 * same rules as the server's i18next (src/i18n): `{{name}}` placeholders, and plural forms chosen
 * by the browser's Intl.PluralRules (`_one`, `_few`, `_many`, `_other`). Kept this small so the
 * pages need no build step and no library download.
 */
export function t(key, vars = {}) {
  const at = key.indexOf(':');
  const ns = at > 0 ? key.slice(0, at) : 'common';
  const name = at > 0 ? key.slice(at + 1) : key;
  const table = messages()[ns] || {};
  let text;
  if (typeof vars.count === 'number') {
    const form = new Intl.PluralRules(LANG).select(vars.count);
    text = table[`${name}_${form}`] ?? table[`${name}_other`];
  }
  text = text ?? table[name];
  if (typeof text !== 'string') return key;
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, v) =>
    vars[v] === undefined || vars[v] === null ? '' : String(vars[v]),
  );
}

/** A family-facing message for an API error: the server's own (already in this language) or ours. */
export function errorText(body) {
  const code = body && body.error && body.error.code;
  const own = body && body.error && body.error.message;
  if (own) return own;
  const text = code ? t(`errors:${code}`) : '';
  return text && text !== `errors:${code}` ? text : t('errorGeneric');
}

/** document.getElementById that fails loudly when the page and the script disagree. */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node;
}

/** Creates an element; text is always set as text, never parsed as HTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== undefined && c !== null) node.append(c);
  return node;
}

export function show(node, visible = true) {
  node.hidden = !visible;
}

/** Sets a live region's text; clearing first makes a repeated message be announced again. */
export function say(node, text) {
  node.textContent = '';
  window.setTimeout(() => {
    node.textContent = text;
  }, 30);
}

export function showError(node, text) {
  node.textContent = text || '';
  node.hidden = !text;
}

/** sessionStorage that never throws (private modes, disabled storage). */
export const session = {
  get(key) {
    try {
      return sessionStorage.getItem(key);
    } catch {
      return null;
    }
  },
  set(key, value) {
    try {
      sessionStorage.setItem(key, value);
      return true;
    } catch {
      return false;
    }
  },
  remove(key) {
    try {
      sessionStorage.removeItem(key);
    } catch {
      // nothing stored
    }
  },
};

/** Calls the API with the token in the Authorization header (never in the URL). */
export async function api(path, { token, method = 'GET', json, form } = {}) {
  // The page's language, so an error the server words (a missing reason…) reads as the page does:
  // the language cookie is not sent (credentials: 'omit'), and the browser's own may differ.
  const headers = { 'accept-language': LANG };
  if (token) headers.authorization = `Bearer ${token}`;
  let body;
  if (json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form) body = form;
  let res;
  try {
    res = await fetch(path.startsWith('/') ? path : `${API}/${path}`, {
      method,
      headers,
      body,
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    return { status: 0, ok: false, data: { error: { code: 'network', message: 'no connection' } } };
  }
  let data = {};
  if (res.status !== 204) {
    try {
      data = await res.json();
    } catch {
      data = {};
    }
  }
  return { status: res.status, ok: res.ok, data };
}

/** POSTs a form with upload progress (fetch cannot report it), resolving like api(). */
export function upload(path, form, { token, onProgress } = {}) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${API}/${path}`);
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.responseType = 'text';
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener('load', () => {
      let data;
      try {
        data = JSON.parse(xhr.responseText || '{}');
      } catch {
        data = {};
      }
      resolve({ status: xhr.status, ok: xhr.status >= 200 && xhr.status < 300, data });
    });
    const fail = () =>
      resolve({ status: 0, ok: false, data: { error: { code: 'network', message: 'no connection' } } });
    xhr.addEventListener('error', fail);
    xhr.addEventListener('timeout', fail);
    xhr.addEventListener('abort', fail);
    xhr.send(form);
  });
}

/**
 * Fetches an image with the token and returns a blob: URL for an <img> (the API's images need
 * the Authorization header). The caller revokes it with URL.revokeObjectURL when done.
 */
export async function imageUrl(path, token) {
  try {
    const res = await fetch(path, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      cache: 'no-store',
      credentials: 'omit',
    });
    if (!res.ok) return null;
    return URL.createObjectURL(await res.blob());
  } catch {
    return null;
  }
}

/** Holds the blob: URLs a view made, so they can be released together. */
export function urlBag() {
  const urls = [];
  return {
    add(u) {
      if (u) urls.push(u);
      return u;
    },
    release() {
      for (const u of urls.splice(0)) URL.revokeObjectURL(u);
    },
  };
}

/** Plain words for an API error, for staff and families alike. */
export function plainError(result, fallback) {
  const e = (result && result.data && result.data.error) || {};
  switch (e.code) {
    case 'network':
      return 'The connection failed. Check that you are online and try again.';
    case 'unauthorized':
      return 'This access code or token is not valid. Check that you copied all of it.';
    case 'forbidden':
      return 'Your access token does not allow this.';
    case 'rate_limited':
      return 'Too many attempts from this connection. Please wait a while and try again.';
    case 'file_too_large':
      return 'A file is too large. ' + (e.message || '');
    case 'unsupported_format':
    case 'empty_file':
    case 'corrupt_image':
      return 'A file is not a photo we can open. Please use JPEG or PNG photos.';
    case 'too_many_pixels':
      return 'A photo is too large to process. Please use a smaller copy.';
    case 'internal':
      return 'Something went wrong on our side. Please try again later.';
    default:
      return e.message
        ? `${fallback ? fallback + ' ' : ''}(${e.message})`
        : fallback || 'Something went wrong. Please try again.';
  }
}

/** The staff sign-in shared by /review and /ingest: token in sessionStorage only. */
export function staffSignIn({ key, check, onReady }) {
  const section = byId('signin');
  const form = byId('signin-form');
  const input = byId('token');
  const error = byId('signin-error');
  const start = async (token, fromForm) => {
    const verdict = await check(token);
    if (verdict === true) {
      session.set(key, token);
      show(section, false);
      onReady(token);
      return;
    }
    session.remove(key);
    show(section, true);
    if (fromForm) {
      showError(error, verdict);
      input.focus();
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) {
      showError(error, 'Enter your access token.');
      input.focus();
      return;
    }
    showError(error, '');
    void start(token, true);
  });
  const saved = session.get(key);
  if (saved) void start(saved, false);
  else show(section, true);
  return {
    signOut() {
      session.remove(key);
      window.location.reload();
    },
  };
}

export function formatBytes(n) {
  // The units of the page's language (КБ, МБ on a Russian or Ukrainian page), from the browser's Intl data.
  const [value, unit, digits] =
    n < 1024 ? [n, 'byte', 0] : n < 1024 * 1024 ? [n / 1024, 'kilobyte', 0] : [n / 1024 / 1024, 'megabyte', 1];
  return new Intl.NumberFormat(LANG, {
    style: 'unit',
    unit,
    unitDisplay: 'short',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(value);
}
