// The dashboard at /__admin/ui: plain JavaScript, no build step, no external resource.
// It reads and drives the admin API, and reads the vendors' own list endpoints with a tenant's
// credentials. Everything that came from a request is put into the page as text, never as HTML.
'use strict';

const ADMIN = '/__admin';
const TOKEN_KEY = 'understudy.adminToken';
const PAGE_SIZE = 50;
const POLL_MS = 1000;

// ---------------------------------------------------------------- helpers

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

/** An element with attributes (`on…` are listeners) and children (strings become text). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'class') node.className = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function debounce(fn, ms = 250) {
  let timer;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

function pretty(value) {
  if (typeof value === 'string') {
    try { return JSON.stringify(JSON.parse(value), null, 2); } catch { return value; }
  }
  return JSON.stringify(value, null, 2);
}

function short(value, max = 80) {
  if (value == null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

function bytes(n) {
  if (typeof n !== 'number') return '—';
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
  return (n / 1024 / 1024).toFixed(1) + ' MiB';
}

function timeOfDay(iso) {
  const match = /T(\d\d:\d\d:\d\d(?:\.\d+)?)/.exec(iso || '');
  return match ? match[1] : iso || '';
}

function ago(iso) {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso || '—';
  const s = Math.round((Date.now() - then) / 1000);
  if (s < 60) return s + ' s ago';
  if (s < 3600) return Math.round(s / 60) + ' min ago';
  if (s < 86400) return Math.round(s / 3600) + ' h ago';
  return Math.round(s / 86400) + ' d ago';
}

function statusClass(status) {
  return 'status s' + String(status).charAt(0);
}

function flash(message, isError = false) {
  const node = $('#status');
  node.textContent = message;
  node.className = isError ? 'error' : '';
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => { node.textContent = ''; }, isError ? 8000 : 3000);
}

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Not a secure context: copy through a selected text area.
    const area = el('textarea', {}, text);
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
  if (button) {
    const label = button.textContent;
    button.textContent = 'copied';
    setTimeout(() => { button.textContent = label; }, 1200);
  }
}

const copyButton = (text, label = 'copy') =>
  el('button', { type: 'button', class: 'copy', title: text, onclick: (e) => copy(text, e.currentTarget) }, label);

/** Prev / next buttons and a position text in `container`. */
function pager(container, { page, hasNext, total, size, onPage, extra, first = '« first' }) {
  const pages = total == null ? null : Math.max(1, Math.ceil(total / size));
  container.replaceChildren(
    el('button', { type: 'button', disabled: page === 0, onclick: () => onPage(0) }, first),
    el('button', { type: 'button', disabled: page === 0, onclick: () => onPage(page - 1) }, '‹ prev'),
    el('span', {}, pages == null ? `page ${page + 1}` : `page ${page + 1} of ${pages}`,
      total == null ? '' : ` · ${total.toLocaleString('en')} in all`),
    el('button', { type: 'button', disabled: !hasNext, onclick: () => onPage(page + 1) }, 'next ›'),
    extra || '',
  );
}

// ---------------------------------------------------------------- admin API and vendors

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

let tokenPrompt = null;

/** Asks for the admin token once, however many calls were refused meanwhile. */
function askToken(refused) {
  if (tokenPrompt) return tokenPrompt;
  const dialog = $('#token-dialog');
  const form = $('#token-form');
  $('#token-error').textContent = refused ? 'That token was refused.' : '';
  form.token.value = '';
  tokenPrompt = new Promise((resolve) => {
    form.addEventListener('submit', () => {
      sessionStorage.setItem(TOKEN_KEY, form.token.value.trim());
      tokenPrompt = null;
      resolve();
    }, { once: true });
  });
  dialog.addEventListener('cancel', (e) => e.preventDefault());
  if (!dialog.open) dialog.showModal();
  return tokenPrompt;
}

/** A call to the admin API with the token, if one was given; 401 asks for it. */
async function admin(method, path, body) {
  for (;;) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    const init = { method, headers, cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(ADMIN + path, init);
    if (response.status === 401) {
      await askToken(token != null);
      continue;
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      throw new ApiError(response.status, (data && data.error) || `${response.status} ${response.statusText}`);
    }
    return data;
  }
}

/** A vendor request as one tenant, in one namespace; resolves to `{status, data, text}`. */
async function vendorCall(slug, tenant, namespace, method, path, body) {
  const headers = { ...(tenant ? tenant.headers : {}) };
  if (namespace && namespace !== 'default') headers['X-Understudy-Namespace'] = namespace;
  const init = { method, headers, cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch('/' + slug + path, init);
  const text = await response.text();
  let data = null;
  try { data = JSON.parse(text); } catch { /* not JSON */ }
  if (!response.ok) {
    throw new ApiError(response.status, `${slug} answered ${response.status}: ${short(text, 200)}`);
  }
  return { status: response.status, data, text };
}

const query = (params) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value != null && value !== '') search.set(key, value);
  }
  const text = search.toString();
  return text ? '?' + text : '';
};

// Each vendor's own list endpoint. `page(call, token, size, q)` answers `{rows, next, total?}`:
// `token` is undefined for the first page and the previous answer's `next` after that.
// `search` says whether the vendor searches (else the page filters the rows it was given).
const VAMBE_EPOCH = '1970-01-01T00:00:00.000Z';
const LISTS = {
  autokonnect: {
    search: true,
    total: true,
    async page(call, token = 1, size, q) {
      const { data } = await call('GET', '/api/v1/contacts' + query({ page: token, limit: size, search: q }));
      return { rows: data.data, total: data.totalRecords, next: token < data.totalPages ? token + 1 : null };
    },
  },
  thoughtly: {
    search: true,
    total: true,
    async page(call, token = 0, size, q) {
      const limit = Math.min(size, 50);
      const { data } = await call('GET', '/contact' + query({ page: token, limit, search: q }));
      const list = data.data;
      return { rows: list.contacts, total: list.total, next: (token + 1) * limit < list.total ? token + 1 : null };
    },
  },
  agentclara: {
    search: true,
    async page(call, token = 0, size, q) {
      const { data } = await call('GET', '/contacts' + query({ limit: size, offset: token, search: q }));
      return { rows: data.data, next: data.data.length === size ? token + size : null };
    },
  },
  tailortalk: {
    search: false,
    async page(call, token, size) {
      const body = token ? { limit: size, start_after: token } : { limit: size };
      const { data } = await call('POST', '/api/v1/get_contacts', body);
      const rows = data.contacts || (data.data && data.data.contacts) || [];
      return { rows, next: rows.length === size ? rows[rows.length - 1].created_at : null };
    },
  },
  vambe: {
    search: false,
    async page(call, token = 0, size) {
      const { data } = await call('GET', '/api/public/contacts' + query({ created_after: VAMBE_EPOCH, limit: size, offset: token }));
      return { rows: data, next: data.length === size ? token + size : null };
    },
  },
};

// ---------------------------------------------------------------- shared state

const shared = {
  vendors: [], // from GET /__admin/tenants
  namespaces: [], // [{name, bytes, last_used}]
};

async function loadVendors() {
  try {
    shared.vendors = (await admin('GET', '/tenants')).vendors || [];
  } catch (error) {
    if (error.status !== 404) throw error;
    // A server without the tenant list: the vendors the page knows, without credentials.
    shared.vendors = Object.keys(LISTS).map((slug) => ({ slug, name: slug, base_path: '/' + slug, tenants: [] }));
    flash('This server does not list its tenants (GET /__admin/tenants): vendors only', true);
  }
  for (const select of $$('select.vendor-select')) {
    const keep = select.value;
    const any = select.querySelector('option[value=""]');
    select.replaceChildren(...(any ? [any] : []),
      ...shared.vendors.map((v) => el('option', { value: v.slug }, `${v.name} (${v.slug})`)));
    if (keep) select.value = keep;
  }
}

/** The namespaces the server lists, `{name, bytes, last_used}` each, by name. */
async function loadNamespaces() {
  const data = await admin('GET', '/namespaces');
  shared.namespaces = (data.namespaces || [])
    .sort((a, b) => a.name.localeCompare(b.name));
  $('#namespace-names').replaceChildren(
    el('option', { value: 'default' }),
    ...shared.namespaces.map((n) => el('option', { value: n.name })));
  // Browsing never makes a namespace: the data view picks among those that exist.
  for (const select of $$('select.namespace-select')) {
    const keep = select.value;
    select.replaceChildren(el('option', {}, 'default'), ...shared.namespaces.map((n) => el('option', {}, n.name)));
    select.value = shared.namespaces.some((n) => n.name === keep) ? keep : 'default';
  }
  return shared.namespaces;
}

function tenantLabel(tenant, index) {
  const value = Object.values(tenant.headers || {})[0] || '';
  return `#${index}` + (tenant.note ? ` ${tenant.note}` : '') + ` (…${value.slice(-6)})`;
}

// ---------------------------------------------------------------- journal

const journal = {
  page: 0,
  before: [], // before[p - 1]: the id that page p starts below
  rows: [],
  count: 0,
  selected: null,
  signature: '',

  filters() {
    const form = $('#journal-filters');
    return {
      vendor: form.vendor.value,
      namespace: form.namespace.value.trim(),
      method: form.method.value,
      status: form.status.value.trim(),
      path: form.path.value.trim(),
    };
  },

  restart() {
    this.page = 0;
    this.before = [];
    this.signature = '';
    this.load();
  },

  seq: 0,

  async load() {
    const filters = this.filters();
    const before = this.page > 0 ? this.before[this.page - 1] : undefined;
    const seq = ++this.seq;
    let list, count;
    try {
      [list, count] = await Promise.all([
        admin('GET', '/requests' + query({ ...filters, limit: PAGE_SIZE, before })),
        admin('GET', '/requests/count' + query(filters)),
      ]);
      $('#journal-error').textContent = '';
    } catch (error) {
      if (seq === this.seq) $('#journal-error').textContent = error.message;
      return;
    }
    if (seq !== this.seq) return; // a later load (new filters, another page) has the say
    this.count = count.count;
    const rows = list.requests || [];
    const signature = `${this.page}|${this.count}|${rows.length}|${rows.length ? rows[0].id : ''}`;
    if (signature === this.signature) return;
    this.signature = signature;
    this.rows = rows;
    this.render();
  },

  render() {
    const table = $('#journal-table');
    // A column the server does not report (an older or newer admin API) is hidden.
    for (const th of $$('th[data-col]', table)) {
      const col = th.dataset.col;
      th.hidden = this.rows.length > 0 && !this.rows.some((r) => col in r);
    }
    const shown = $$('th[data-col]', table).filter((th) => !th.hidden).map((th) => th.dataset.col);
    const cell = {
      time: (r) => el('td', { title: r.time }, timeOfDay(r.time)),
      vendor: (r) => el('td', {}, r.vendor),
      namespace: (r) => el('td', {}, r.namespace || 'default'),
      method: (r) => el('td', {}, r.method),
      path: (r) => el('td', { class: 'path', title: r.path + (r.query ? '?' + r.query : '') },
        short(r.path + (r.query ? '?' + r.query : ''), 90)),
      status: (r) => el('td', {}, el('span', { class: statusClass(r.status) }, r.status)),
      duration_ms: (r) => el('td', { class: 'num' }, typeof r.duration_ms === 'number' ? r.duration_ms.toFixed(1) : ''),
      tenant: (r) => el('td', { class: 'mono' }, r.tenant || ''),
    };
    $('tbody', table).replaceChildren(...this.rows.map((r) => el('tr', {
      'data-id': r.id,
      class: this.selected && this.selected.id === r.id ? 'selected' : null,
      onclick: () => this.open(r),
    }, shown.map((col) => cell[col](r)))));
    if (!this.rows.length) {
      $('tbody', table).append(el('tr', {}, el('td', { colspan: 8, class: 'empty' },
        this.page ? 'No older requests.' : 'No vendor requests match. Send one and it appears here.')));
    }
    const newest = this.page > 0 ? ' · newer requests arrive on the first page' : ' · updates every second';
    pager($('#journal-pager'), {
      page: this.page,
      size: PAGE_SIZE,
      total: this.count,
      hasNext: this.rows.length === PAGE_SIZE && (this.page + 1) * PAGE_SIZE < this.count,
      onPage: (page) => {
        if (page > this.page) this.before[this.page] = this.rows[this.rows.length - 1].id;
        this.page = page;
        this.signature = '';
        this.load();
      },
      extra: el('span', { class: 'note' }, newest),
      first: '« newest',
    });
  },

  open(entry) {
    this.selected = entry;
    for (const tr of $$('#journal-table tbody tr')) tr.classList.toggle('selected', tr.dataset.id === String(entry.id));
    const known = new Set(['id', 'time', 'vendor', 'tenant', 'namespace', 'method', 'path', 'query', 'headers',
      'body', 'status', 'duration_ms', 'response', 'response_headers', 'response_body']);
    const url = entry.path + (entry.query ? '?' + entry.query : '');
    const response = entry.response || {};
    const responseHeaders = response.headers || entry.response_headers;
    const responseBody = response.body !== undefined ? response.body : entry.response_body;
    const extra = Object.keys(entry).filter((k) => !known.has(k));
    const detail = $('#journal-detail');
    detail.hidden = false;
    detail.replaceChildren(
      el('div', { class: 'detail-head' },
        el('h2', {}, `#${entry.id}`),
        el('button', { type: 'button', onclick: () => { detail.hidden = true; this.selected = null; this.render(); } }, 'close')),
      el('h3', {}, 'Request'),
      el('p', { class: 'request-line' }, el('b', {}, entry.method), ' ', el('code', { class: 'detail-path' }, url)),
      facts([
        ['vendor', entry.vendor], ['tenant', entry.tenant], ['namespace', entry.namespace || 'default'],
        ['time', entry.time],
      ]),
      headerTable(entry.headers),
      bodyBlock(entry.body),
      el('h3', {}, 'Response'),
      el('p', {}, el('span', { class: statusClass(entry.status) + ' detail-status' }, entry.status),
        typeof entry.duration_ms === 'number' ? ` in ${entry.duration_ms.toFixed(2)} ms` : ''),
      responseHeaders ? headerTable(responseHeaders) : '',
      responseBody !== undefined ? bodyBlock(responseBody)
        : el('p', { class: 'note' }, 'The journal keeps no response body for this request.'),
      extra.length ? el('h3', {}, 'Other fields') : '',
      extra.length ? el('pre', {}, pretty(Object.fromEntries(extra.map((k) => [k, entry[k]])))) : '',
    );
  },

  async clear() {
    try {
      await admin('DELETE', '/requests');
      this.selected = null;
      $('#journal-detail').hidden = true;
      flash('Journal cleared');
      this.restart();
    } catch (error) {
      flash(error.message, true);
    }
  },

  init() {
    const form = $('#journal-filters');
    const changed = debounce(() => this.restart());
    form.addEventListener('input', changed);
    form.addEventListener('change', changed);
    form.addEventListener('submit', (e) => e.preventDefault());
    $('#journal-clear').addEventListener('click', () => this.clear());
  },
  show() { this.signature = ''; this.load(); },
  tick() { this.load(); },
};

function facts(pairs) {
  return el('dl', { class: 'facts' }, pairs.filter(([, v]) => v != null && v !== '')
    .map(([k, v]) => [el('dt', {}, k), el('dd', {}, String(v))]));
}

function headerTable(headers) {
  const entries = Object.entries(headers || {});
  if (!entries.length) return el('p', { class: 'note' }, 'No headers.');
  return el('table', { class: 'headers' }, el('tbody', {},
    entries.map(([name, value]) => el('tr', {}, el('th', {}, name), el('td', {}, String(value))))));
}

function bodyBlock(body) {
  if (body == null || body === '') return el('p', { class: 'note' }, 'No body.');
  return el('pre', { class: 'body' }, pretty(body));
}

// ---------------------------------------------------------------- data

const data = {
  seq: 0,
  page: 0,
  tokens: [undefined], // tokens[p]: what the vendor needs to answer page p
  rows: [],
  loaded: false,

  selection() {
    const form = $('#data-filters');
    const vendor = shared.vendors.find((v) => v.slug === form.vendor.value);
    const tenant = vendor ? vendor.tenants[Number(form.tenant.value) || 0] : null;
    return {
      vendor, tenant,
      namespace: form.namespace.value.trim() || 'default',
      q: form.q.value.trim(),
      size: Number(form.size.value),
    };
  },

  fillTenants() {
    const form = $('#data-filters');
    const vendor = shared.vendors.find((v) => v.slug === form.vendor.value);
    const keep = form.tenant.value;
    form.tenant.replaceChildren(...(vendor ? vendor.tenants : [])
      .map((t, i) => el('option', { value: i }, tenantLabel(t, i))));
    if (keep && Number(keep) < form.tenant.options.length) form.tenant.value = keep;
  },

  restart() {
    this.page = 0;
    this.tokens = [undefined];
    this.load();
  },

  async load() {
    const { vendor, tenant, namespace, q, size } = this.selection();
    const note = $('#data-note');
    const tbody = $('#data-table tbody');
    if (!vendor) return;
    if (!tenant) {
      note.textContent = `No tenant of ${vendor.name} is known to the page.`;
      tbody.replaceChildren();
      return;
    }
    const list = LISTS[vendor.slug];
    if (!list) {
      note.textContent = `The dashboard does not know ${vendor.name}'s list endpoint.`;
      tbody.replaceChildren();
      return;
    }
    note.textContent = `${vendor.name}'s own list endpoint, as tenant ${tenantLabel(tenant, Number($('#data-filters').tenant.value) || 0)}` +
      ` in namespace ${namespace}.` + (list.search ? '' : ' Search filters the rows of this page (the vendor has no search).');
    const call = (method, path, body) => vendorCall(vendor.slug, tenant, namespace, method, path, body);
    const seq = ++this.seq;
    let answer;
    try {
      answer = await list.page(call, this.tokens[this.page], size, list.search ? q : '');
      if (seq !== this.seq) return; // the selection changed meanwhile
    } catch (error) {
      if (seq !== this.seq) return;
      note.textContent = error.message;
      tbody.replaceChildren();
      $('#data-table thead').replaceChildren();
      return;
    }
    this.tokens[this.page + 1] = answer.next;
    let rows = answer.rows || [];
    if (q && !list.search) {
      const needle = q.toLowerCase();
      rows = rows.filter((r) => JSON.stringify(r).toLowerCase().includes(needle));
    }
    this.rows = rows;
    this.render(answer, size);
  },

  render(answer, size) {
    const columns = [];
    for (const row of this.rows) {
      for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
    }
    const shown = columns.slice(0, 8);
    $('#data-table thead').replaceChildren(el('tr', {}, shown.map((c) => el('th', {}, c))));
    $('#data-table tbody').replaceChildren(...this.rows.map((row, i) => el('tr', {
      'data-index': i,
      onclick: (e) => {
        for (const tr of $$('#data-table tbody tr')) tr.classList.remove('selected');
        e.currentTarget.classList.add('selected');
        const detail = $('#data-detail');
        detail.hidden = false;
        detail.replaceChildren(
          el('div', { class: 'detail-head' }, el('h2', {}, 'Record'),
            copyButton(JSON.stringify(row, null, 2), 'copy JSON'),
            el('button', { type: 'button', onclick: () => { detail.hidden = true; } }, 'close')),
          el('pre', { class: 'body', id: 'record-json' }, JSON.stringify(row, null, 2)));
      },
    }, shown.map((c) => el('td', {}, short(row[c], 48))))));
    if (!this.rows.length) {
      $('#data-table tbody').append(el('tr', {}, el('td', { class: 'empty' }, 'No records.')));
    }
    pager($('#data-pager'), {
      page: this.page,
      size,
      total: answer.total,
      hasNext: answer.next != null,
      onPage: (page) => { this.page = page; this.load(); },
    });
  },

  /** Opens the data of one vendor's tenant (from the vendors view). */
  browse(slug, index) {
    const form = $('#data-filters');
    form.vendor.value = slug;
    this.fillTenants();
    form.tenant.value = index;
    location.hash = '#data';
    this.restart();
  },

  init() {
    const form = $('#data-filters');
    form.addEventListener('submit', (e) => e.preventDefault());
    form.vendor.addEventListener('change', () => { this.fillTenants(); this.restart(); });
    for (const name of ['tenant', 'size', 'namespace']) form[name].addEventListener('change', () => this.restart());
    form.q.addEventListener('input', debounce(() => this.restart(), 350));
  },
  async show() {
    await loadNamespaces().catch((error) => flash(error.message, true));
    if (!this.loaded) {
      this.loaded = true;
      this.fillTenants();
      this.restart();
    }
  },
};

// ---------------------------------------------------------------- vendors

const vendors = {
  async show() {
    const cards = $('#vendor-cards');
    cards.replaceChildren(...shared.vendors.map((vendor) => {
      const base = location.origin + vendor.base_path;
      return el('article', { class: 'card', 'data-vendor': vendor.slug },
        el('h2', {}, vendor.name, ' ', el('code', {}, vendor.slug)),
        el('p', {}, 'Base URL ', el('code', {}, base), ' ', copyButton(base)),
        el('table', { class: 'rows' },
          el('thead', {}, el('tr', {}, el('th', {}, 'Tenant'), el('th', {}, 'Credential headers'),
            el('th', {}, 'Records'), el('th', {}))),
          el('tbody', {}, vendor.tenants.map((tenant, i) => {
            const lines = Object.entries(tenant.headers || {}).map(([k, v]) => `${k}: ${v}`);
            const curl = Object.entries(tenant.headers || {}).map(([k, v]) => `-H '${k}: ${v}'`).join(' ');
            return el('tr', {},
              el('td', {}, `#${i}`, tenant.note ? el('div', { class: 'note' }, tenant.note) : ''),
              el('td', {}, lines.map((line) => el('div', { class: 'header-line' }, el('code', {}, line), ' ', copyButton(line))),
                lines.length > 1 ? copyButton(curl, 'copy as curl -H') : ''),
              el('td', { class: 'num count', 'data-count': `${vendor.slug}/${i}` }, '…'),
              el('td', {}, el('button', { type: 'button', onclick: () => data.browse(vendor.slug, i) }, 'browse')));
          }))));
    }));
    // Counts, one vendor at a time: each is a real vendor request (it shows in the journal).
    for (const vendor of shared.vendors) {
      for (const [i, tenant] of vendor.tenants.entries()) {
        const cellNode = $(`td[data-count="${CSS.escape(vendor.slug)}/${i}"]`);
        const list = LISTS[vendor.slug];
        if (!cellNode) continue;
        if (!list || !list.total) {
          cellNode.textContent = '—';
          cellNode.title = 'this vendor\'s list endpoint reports no total';
          continue;
        }
        try {
          const call = (method, path, body) => vendorCall(vendor.slug, tenant, 'default', method, path, body);
          const answer = await list.page(call, undefined, 1, '');
          cellNode.textContent = answer.total == null ? '—' : answer.total.toLocaleString('en');
        } catch (error) {
          cellNode.textContent = 'error';
          cellNode.title = error.message;
        }
      }
    }
  },
};

// ---------------------------------------------------------------- faults

const faults = {
  signature: '',

  async load() {
    let rules;
    try {
      rules = (await admin('GET', '/faults')).faults || [];
    } catch (error) {
      flash(error.message, true);
      return;
    }
    const signature = JSON.stringify(rules);
    if (signature === this.signature) return;
    this.signature = signature;
    const tbody = $('#fault-table tbody');
    tbody.replaceChildren(...rules.map((rule) => el('tr', { 'data-id': rule.id },
      el('td', {}, rule.id),
      el('td', {}, rule.vendor),
      el('td', {}, rule.method || 'any'),
      el('td', {}, rule.path || 'any'),
      el('td', {}, rule.tenant || 'any'),
      el('td', {}, rule.namespace || 'any'),
      el('td', {}, effectText(rule.effect)),
      el('td', { class: 'num' }, rule.probability == null ? '1' : rule.probability, rule.seed != null ? ` (seed ${rule.seed})` : ''),
      el('td', { class: 'num' }, rule.times == null ? '∞' : rule.times),
      el('td', { class: 'num fired' }, rule.fired == null ? '—' : rule.fired),
      el('td', {}, el('button', { type: 'button', class: 'danger', onclick: () => this.remove(rule.id) }, 'delete')))));
    if (!rules.length) tbody.append(el('tr', {}, el('td', { colspan: 11, class: 'empty' }, 'No fault rules: every vendor answers normally.')));
  },

  async remove(id) {
    try {
      await admin('DELETE', '/faults/' + encodeURIComponent(id));
      flash(`Rule ${id} removed`);
    } catch (error) {
      flash(error.message, true);
    }
    this.load();
  },

  /** The rule the form describes; numbers are sent as numbers when they read as one. */
  rule() {
    const form = $('#fault-form');
    const value = (name) => form.elements[name].value.trim();
    const number = (text) => (text !== '' && !Number.isNaN(Number(text)) ? Number(text) : text);
    const rule = { vendor: value('vendor') };
    for (const name of ['method', 'path', 'tenant', 'namespace']) if (value(name)) rule[name] = value(name);
    for (const name of ['probability', 'seed', 'times']) if (value(name)) rule[name] = number(value(name));
    const type = value('effect.type');
    const effect = { type };
    const fields = { status: ['status'], delay: ['ms', 'min_ms', 'max_ms'], rate_limit: ['retry_after'], drop: [] }[type] || [];
    for (const name of fields) if (value('effect.' + name)) effect[name] = number(value('effect.' + name));
    if (type === 'status' && value('effect.body')) {
      try {
        effect.body = JSON.parse(value('effect.body'));
      } catch {
        throw new FieldError('effect.body', 'must be JSON');
      }
    }
    rule.effect = effect;
    return rule;
  },

  showEffectFields() {
    const type = $('#fault-form').elements['effect.type'].value;
    for (const field of $$('#fault-form [data-effect]')) field.hidden = field.dataset.effect !== type;
  },

  /** Puts an admin 400's `field: message` next to that field (or the nearest one shown). */
  showError(field, message) {
    let target = null;
    for (let name = field; name && !target; name = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : '') {
      target = $(`#fault-form .field[data-field="${CSS.escape(name)}"]`);
      if (target && target.hidden) target = null;
    }
    target = target || $('#fault-form .field[data-field="body"]');
    target.classList.add('invalid');
    $('.field-error', target).textContent = target.dataset.field === field ? message : `${field}: ${message}`;
  },

  async add(event) {
    event.preventDefault();
    for (const field of $$('#fault-form .field')) {
      field.classList.remove('invalid');
      $('.field-error', field).textContent = '';
    }
    try {
      const created = await admin('POST', '/faults', this.rule());
      flash(`Rule ${created.id} added`);
      this.load();
    } catch (error) {
      if (error instanceof FieldError) return this.showError(error.field, error.message);
      const match = /^([A-Za-z_][\w.[\]]*): (.*)$/s.exec(error.message);
      if (error.status === 400 && match) this.showError(match[1], match[2]);
      else this.showError('body', error.message);
    }
  },

  init() {
    const form = $('#fault-form');
    form.addEventListener('submit', (e) => this.add(e));
    form.elements['effect.type'].addEventListener('change', () => this.showEffectFields());
    this.showEffectFields();
    $('#faults-clear').addEventListener('click', async () => {
      try {
        await admin('DELETE', '/faults');
        flash('All rules removed');
      } catch (error) {
        flash(error.message, true);
      }
      this.load();
    });
  },
  show() { this.signature = ''; this.load(); },
  tick() { this.load(); },
};

class FieldError extends Error {
  constructor(field, message) { super(message); this.field = field; }
}

function effectText(effect) {
  if (!effect) return '';
  switch (effect.type) {
    case 'status': return `status ${effect.status}` + (effect.body !== undefined ? ' with body' : '');
    case 'delay': return effect.ms != null ? `delay ${effect.ms} ms` : `delay ${effect.min_ms}–${effect.max_ms} ms`;
    case 'rate_limit': return `rate limit, Retry-After ${effect.retry_after}`;
    case 'drop': return 'drop the connection';
    default: return JSON.stringify(effect);
  }
}

// ---------------------------------------------------------------- clock

const clock = {
  page: 0,
  rendered: '',

  names() {
    return ['default', ...shared.namespaces.map((n) => n.name)];
  },

  async load() {
    const names = this.names();
    const visible = names.slice(this.page * PAGE_SIZE, (this.page + 1) * PAGE_SIZE);
    const key = visible.join('\n');
    const tbody = $('#clock-table tbody');
    if (key !== this.rendered) {
      // Rows are rebuilt only when the list changes, so an instant being typed stays.
      this.rendered = key;
      tbody.replaceChildren(...visible.map((name) => el('tr', { 'data-namespace': name },
        el('td', {}, name),
        el('td', { class: 'now' }, '…'),
        el('td', { class: 'frozen' }, ''),
        el('td', {}, el('input', { class: 'instant', size: 26, placeholder: 'e.g. 2026-01-15T12:00:00Z' })),
        el('td', {},
          el('button', { type: 'button', class: 'freeze', onclick: (e) => this.freeze(name, e.currentTarget.closest('tr')) }, 'freeze'), ' ',
          el('button', { type: 'button', class: 'release', onclick: () => this.release(name) }, 'release'),
          el('span', { class: 'field-error' })))));
      pager($('#clock-pager'), {
        page: this.page, size: PAGE_SIZE, total: names.length,
        hasNext: (this.page + 1) * PAGE_SIZE < names.length,
        onPage: (page) => { this.page = page; this.load(); },
      });
    }
    await Promise.all(visible.map(async (name) => {
      const row = $(`#clock-table tr[data-namespace="${CSS.escape(name)}"]`);
      try {
        const state = await admin('GET', '/clock' + this.suffix(name));
        $('.now', row).textContent = state.now;
        $('.frozen', row).textContent = state.frozen ? 'frozen' : 'running';
        row.classList.toggle('is-frozen', !!state.frozen);
        const input = $('.instant', row);
        if (!input.value && document.activeElement !== input) input.placeholder = state.now;
      } catch (error) {
        $('.now', row).textContent = error.message;
      }
    }));
  },

  suffix(name) {
    return name === 'default' ? '' : query({ namespace: name });
  },

  async freeze(name, row) {
    const input = $('.instant', row);
    const now = input.value.trim() || input.placeholder;
    $('.field-error', row).textContent = '';
    try {
      const fallback = name === 'default' ? null : await admin('GET', '/clock');
      await admin('PUT', '/clock' + this.suffix(name), { now });
      flash(`Clock ${name} frozen at ${now}`);
      if (fallback && !fallback.frozen && (await admin('GET', '/clock')).frozen) {
        // The server froze its only clock: it has none per namespace.
        $('#clock-note').textContent = 'This server has one clock for all namespaces: freezing any row froze them all.';
      }
    } catch (error) {
      $('.field-error', row).textContent = error.message;
    }
    this.load();
  },

  async release(name) {
    try {
      await admin('DELETE', '/clock' + this.suffix(name));
      flash(`Clock ${name} follows real time`);
    } catch (error) {
      flash(error.message, true);
    }
    this.load();
  },

  async show() {
    await loadNamespaces().catch((error) => flash(error.message, true));
    this.load();
  },
  tick() { this.load(); },
};

// ---------------------------------------------------------------- namespaces

const namespaces = {
  page: 0,

  render() {
    const q = $('#namespace-filters').q.value.trim().toLowerCase();
    const all = shared.namespaces.filter((n) => n.name.toLowerCase().includes(q));
    const rows = all.slice(this.page * PAGE_SIZE, (this.page + 1) * PAGE_SIZE);
    const table = $('#namespace-table');
    for (const th of $$('th[data-col]', table)) {
      th.hidden = th.dataset.col !== 'name' && !shared.namespaces.some((n) => th.dataset.col in n);
    }
    const hasBytes = !$('th[data-col="bytes"]', table).hidden;
    const hasLast = !$('th[data-col="last_used"]', table).hidden;
    const actions = (name) => el('td', {},
      el('button', { type: 'button', class: 'reset', onclick: () => this.reset(name) }, 'reset'), ' ',
      name === 'default' ? '' : el('button', { type: 'button', class: 'danger drop', onclick: () => this.drop(name) }, 'drop'));
    $('tbody', table).replaceChildren(
      this.page === 0 && 'default'.includes(q) ? el('tr', { 'data-namespace': 'default' },
        el('td', {}, 'default ', el('span', { class: 'note' }, '(requests without the header)')),
        hasBytes ? el('td', {}) : '', hasLast ? el('td', {}) : '', actions('default')) : '',
      ...rows.map((n) => el('tr', { 'data-namespace': n.name },
        el('td', {}, n.name),
        hasBytes ? el('td', { class: 'num' }, bytes(n.bytes)) : '',
        hasLast ? el('td', { title: n.last_used || '' }, n.last_used ? ago(n.last_used) : '—') : '',
        actions(n.name))));
    pager($('#namespace-pager'), {
      page: this.page, size: PAGE_SIZE, total: all.length,
      hasNext: (this.page + 1) * PAGE_SIZE < all.length,
      onPage: (page) => { this.page = page; this.render(); },
    });
  },

  async reset(name) {
    try {
      await admin('POST', '/reset' + (name === 'default' ? '' : query({ namespace: name })));
      flash(`Namespace ${name} is back to the seed`);
    } catch (error) {
      flash(error.message, true);
    }
    this.show();
  },

  async drop(name) {
    try {
      await admin('DELETE', '/namespaces/' + encodeURIComponent(name));
      flash(`Namespace ${name} dropped`);
    } catch (error) {
      flash(error.message, true);
    }
    this.show();
  },

  init() {
    const form = $('#namespace-filters');
    form.addEventListener('submit', (e) => e.preventDefault());
    form.q.addEventListener('input', () => { this.page = 0; this.render(); });
  },
  async show() {
    try {
      await loadNamespaces();
    } catch (error) {
      flash(error.message, true);
    }
    this.render();
  },
  ticks: 0,
  tick() {
    // Sizes and last use change with every vendor request; every 5 s is enough.
    if (++this.ticks % 5 === 0) return this.show();
  },
};

// ---------------------------------------------------------------- views and polling

const VIEWS = { journal, data, vendors, faults, clock, namespaces };
let current = null;
let busy = false;

function route() {
  const name = location.hash.slice(1) in VIEWS ? location.hash.slice(1) : 'journal';
  for (const section of $$('.view')) section.hidden = section.id !== 'view-' + name;
  for (const link of $$('#tabs a')) link.classList.toggle('active', link.dataset.view === name);
  current = VIEWS[name];
  document.title = `Understudy · ${name}`;
  Promise.resolve(current.show()).catch((error) => flash(error.message, true));
}

async function poll() {
  if (busy || document.hidden || !current || !current.tick) return;
  busy = true;
  try {
    await current.tick();
  } catch (error) {
    flash(error.message, true);
  } finally {
    busy = false;
  }
}

async function start() {
  for (const view of Object.values(VIEWS)) if (view.init) view.init();
  try {
    await loadVendors();
    await loadNamespaces();
  } catch (error) {
    flash(error.message, true);
  }
  window.addEventListener('hashchange', route);
  route();
  setInterval(poll, POLL_MS);
}

start();
