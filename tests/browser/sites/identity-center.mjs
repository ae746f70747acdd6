// IAM Identity Center's sign-in page as athena-local serves it (GET
// /authorize), as the person at the desk uses it in the BrowserSSOOIDC tests.
//
// Control fields: password (the user's at Identity Center).
// Modes:
//   login           sign in; returns once the driver's tab has loaded
//   wrong-password  first a wrong password (the page's error is recorded as
//                   idc_error), then the right one; returns once the driver's
//                   tab has loaded
//   cancel          press Cancel; Identity Center redirects to the driver with
//                   error=access_denied; returns once the driver's tab has loaded
// The code the driver was sent (final_url_has_code) and the authorization
// request's scopes (scopes) are recorded too.

export async function signIn(page, { mode, user, control, record }) {
  const authorization = new URL(page.url());
  const redirect = authorization.searchParams.get('redirect_uri');
  record.scopes = authorization.searchParams.get('scopes');
  record.login_page = authorization.pathname;
  // Caught here so a refused callback is reported, not an unhandled rejection.
  const landed = page.waitForURL((u) => u.href.startsWith(redirect), { timeout: 60000 }).catch((e) => e);
  if (mode === 'cancel') {
    await page.click('#cancel');
  } else {
    await page.fill('#username', user);
    if (mode === 'wrong-password') {
      await page.fill('#password', `not-the-password-of-${user}`);
      await Promise.all([page.waitForNavigation(), page.click('#sign-in')]);
      record.idc_error = (await page.innerText('#error')).trim();
      await page.fill('#username', user);
    }
    await page.fill('#password', control.password);
    await page.click('#sign-in');
  }
  const navigation = await landed;
  if (navigation instanceof Error) {
    throw navigation;
  }
  await page.waitForLoadState('load');
  record.final_url_has_code = new URL(page.url()).searchParams.has('code');
}
