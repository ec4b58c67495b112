// Browser test of vendord's charge and exchange pages (S118) in headless Debian Chromium, driven by
// playwright-core, with JavaScript disabled in the page: the pages must work as plain HTML forms.
//   node pages_test.mjs VENDORD_BINARY WORK_DIR
// Exit 0 = all passed, 1 = a check failed, 77 = skipped (no /usr/bin/chromium).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const CHROMIUM = '/usr/bin/chromium';
const [vendordPath, workRoot = tmpdir()] = process.argv.slice(2);
if (!existsSync(CHROMIUM)) {
  console.log(`SKIP: ${CHROMIUM} is not installed (scripts/install-deps installs the Debian package chromium)`);
  process.exit(77);
}
const { chromium } = await import('playwright-core');

let passed = 0;
let failed = 0;
function check(cond, what) {
  if (cond) {
    passed++;
  } else {
    failed++;
    console.error(`FAIL: ${what}`);
  }
}

const deadline = (ms) => Date.now() + ms;
async function pollUntil(fn, ms, what) {
  const end = deadline(ms);
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const dir = mkdtempSync(join(workRoot, 'vendord-browser-'));
const portFile = join(dir, 'port');
const vendord = spawn(vendordPath, ['--db', join(dir, 'v.db'), '--listen', '127.0.0.1:0', '--port-file', portFile],
                      { stdio: ['ignore', 'ignore', 'inherit'] });
let browser;
try {
  const port = await pollUntil(() => existsSync(portFile) && Number(readFileSync(portFile, 'utf8')), 10000,
                               'vendord to listen');
  const base = `http://127.0.0.1:${port}`;
  const api = async (path, body, bearer) => {
    const headers = { 'Content-Type': 'application/json' };
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    const r = await fetch(base + path, { method: 'POST', headers, body: body ? JSON.stringify(body) : '' });
    const j = await r.json();
    if (!r.ok) throw new Error(`${path}: ${r.status} ${JSON.stringify(j)}`);
    return j;
  };
  // A registered printer with low black ink, and a terminal's SVT (the URL the printer hands out, S116-S118).
  const { st } = await api('/v1/printer/register', { device_id: 'dv-browser', pages: 12, ink: { black: 8, cyan: 70 } });
  await api('/v1/printer/sync', { pages: 12, ink: { black: 8, cyan: 70 } }, st);
  const { svwt } = await api('/v1/printer/svwt', null, st);
  const { charge_url, exchange_url } = await api('/v1/terminal/svt', { svwt, terminal_id: 'browser' });

  // A fresh, empty profile per run (launchPersistentContext passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    javaScriptEnabled: false,
    timeout: 30000,
  });
  const context = browser;
  const page = await context.newPage();
  page.setDefaultTimeout(10000);

  // Charge page: the printer of the SVT, its counts, both forms.
  await page.goto(charge_url);
  check((await page.textContent('#device-id')) === 'dv-browser', 'charge page shows the printer of the SVT');
  check((await page.textContent('#pages')) === '12', 'charge page shows the printable pages');
  check(await page.isVisible('#claim-free'), 'free charge offered before it is used');

  // Claim the free pages (form post, 303 back to the page).
  await Promise.all([page.waitForURL(/done=free/), page.click('#claim-free')]);
  check((await page.textContent('#flash')).includes('2000 pages charged'), 'free charge result shown');
  check((await page.textContent('#pending')) === '2000', 'pending pages after the free charge');
  check(!(await page.isVisible('#claim-free')), 'free charge no longer offered');

  // Paid charge with the sandbox's approved card.
  await page.fill('#pages-input', '300');
  await page.fill('#card-input', '4242 4242 4242 4242');
  await Promise.all([page.waitForURL(/done=paid/), page.click('#pay')]);
  check((await page.textContent('#flash')).includes('300 pages charged'), 'paid charge result shown');
  check((await page.textContent('#pending')) === '2300', 'pending pages after the paid charge');

  // Declined card: an error on the page, nothing charged.
  await page.fill('#pages-input', '100');
  await page.fill('#card-input', '4000000000000002');
  await Promise.all([page.waitForLoadState('load'), page.click('#pay')]);
  check((await page.textContent('#error')).includes('declined'), 'declined payment explained');
  check((await page.textContent('#pending')) === '2300', 'nothing charged on decline');

  // Exchange page: the low-ink notice, request a replacement.
  await page.goto(exchange_url);
  check((await page.textContent('.notice[data-color="black"]')).includes('black is low (8%)'), 'low ink notice');
  check(await page.isChecked('input[name="color"][value="black"]'), 'low colour preselected');
  check(!(await page.isChecked('input[name="color"][value="cyan"]')), 'other colours not preselected');
  await Promise.all([page.waitForURL(/done=1/), page.click('#request-exchange')]);
  check((await page.textContent('#flash')).includes('Replacement requested'), 'exchange confirmation shown');
  check(await page.isVisible('#no-notice'), 'notice closed after the request');

  // A link with an unknown SVT: an explanation, not a stack trace.
  const bad = await page.goto(`${base}/charge?svt=svt_${'C'.repeat(43)}`);
  check(bad.status() === 401, 'unknown SVT page status 401');
  check((await page.getAttribute('#error', 'data-code')) === 'token_unknown', 'unknown SVT explained');
} catch (e) {
  failed++;
  console.error(`FAIL: ${e.stack || e}`);
} finally {
  if (browser) await browser.close();
  vendord.kill('SIGTERM');
  await new Promise((r) => vendord.exitCode !== null ? r() : vendord.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
