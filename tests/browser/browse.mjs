// The "browser" the driver starts through the BROWSER environment variable in
// the BrowserOidcTip tests: a real headless Chromium (Debian's), driven with
// playwright-core, acting as the person at the desk.
//
// Usage (as BROWSER): node browse.mjs URL
// Settings come from the JSON file named by ATHENA_TEST_BROWSER_CONTROL
// ({"mode": ..., "user": ..., "test": ..., "site": ...}), which a test rewrites before each
// sign-in (`test` is copied to the log line, so a test sees only its own runs),
// else from the environment:
//   ATHENA_TEST_BROWSER_MODE  login (default) | deny | ignore | forge
//     login:  sign in at the provider's page and accept its consent page
//     deny:   sign in, then cancel at the consent page
//     ignore: open the page and do nothing (nobody signs in)
//     forge:  first call the driver's callback with a wrong state, then log in
//   ATHENA_TEST_BROWSER_USER  the login typed in (default alice)
// With "site" in the control file, sites/SITE.mjs's signIn(page, {mode, user,
// control, record}) acts at that identity provider's pages instead (SAML, Entra
// ID, IAM Identity Center); without it, the pages are oidc-provider's.
//   ATHENA_TEST_BROWSER_LOG   a file that gets one JSON line per run
//   CHROMIUM                  the browser binary (default /usr/bin/chromium)
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const url = process.argv[2];
const controlFile = process.env.ATHENA_TEST_BROWSER_CONTROL;
const control = controlFile && existsSync(controlFile) ? JSON.parse(readFileSync(controlFile, 'utf8')) : {};
const mode = control.mode || process.env.ATHENA_TEST_BROWSER_MODE || 'login';
const user = control.user || process.env.ATHENA_TEST_BROWSER_USER || 'alice';
const record = { test: control.test || null, mode, user, started: Date.now() };

let logged = false;

// Written before the browser closes: the driver may already have answered the
// test by the time Chromium has shut down.
function log(extra) {
  if (logged) {
    return;
  }
  logged = true;
  Object.assign(record, extra);
  if (process.env.ATHENA_TEST_BROWSER_LOG) {
    appendFileSync(process.env.ATHENA_TEST_BROWSER_LOG, `${JSON.stringify(record)}\n`);
  }
}

async function run() {
  const authorization = new URL(url);
  const redirect = authorization.searchParams.get('redirect_uri');
  record.redirect_uri = redirect;
  record.code_challenge_method = authorization.searchParams.get('code_challenge_method');
  record.has_state = Boolean(authorization.searchParams.get('state'));
  record.has_nonce = Boolean(authorization.searchParams.get('nonce'));
  if (mode === 'forge') {
    const forged = await fetch(`${redirect}?code=forged-code&state=forged-state`);
    record.forged_status = forged.status;
    record.forged_page = await forged.text();
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
    headless: true,
  });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    if (control.site && mode !== 'ignore') {
      // Another identity provider's pages: sites/NAME.mjs signs in there and
      // returns once the driver's tab has loaded.
      const site = await import(`./sites/${control.site}.mjs`);
      await site.signIn(page, { mode, user, control, record });
      record.final_page = await page.innerText('body');
      log({ ok: true });
      return;
    }
    if (mode === 'ignore') {
      record.final_page = await page.innerText('body');
      log({ ok: true });
      return;
    }
    await page.fill('input[name=login]', user);
    await page.fill('input[name=password]', 'any-password');
    await page.click('button[type=submit]');
    await page.waitForSelector('button[type=submit]:has-text("Continue")');
    // Caught here so a refused callback is reported, not an unhandled rejection.
    const landed = page.waitForURL((u) => u.href.startsWith(redirect), { timeout: 60000 }).catch((e) => e);
    if (mode === 'deny') {
      await page.click('text=[ Cancel ]');
    } else {
      await page.click('button[type=submit]:has-text("Continue")');
    }
    const navigation = await landed;
    if (navigation instanceof Error) {
      throw navigation;
    }
    await page.waitForLoadState('load');
    record.final_url_has_code = new URL(page.url()).searchParams.has('code');
    record.final_page = await page.innerText('body');
    log({ ok: true });
  } finally {
    await browser.close();
  }
}

try {
  await run();
  log({ ok: true });
} catch (e) {
  log({ ok: false, error: String(e && e.message ? e.message : e) });
  process.exitCode = 1;
}
