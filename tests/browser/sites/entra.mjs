// Microsoft Entra ID's sign-in page as athena-local serves it (GET
// /TENANT/oauth2/authorize), as the person at the desk uses it in the
// BrowserAzureAD tests. The page answers a right password with a form that
// posts code and state to the driver (response_mode=form_post).
//
// Control fields: password (the user's at Entra).
// Modes:
//   login           sign in; returns once the driver's tab has loaded
//   retry           first a wrong password (the page's error is recorded as
//                   entra_error), then the right one; returns once the
//                   driver's tab has loaded
//   wrong-password  a wrong password: records the page's error (entra_error)
//                   and stops there, so nobody completes the sign-in
//   cancel          press Cancel: Entra posts error=access_denied to the
//                   driver; returns once the driver's tab has loaded
//   forge           first post a forged answer (another state and code) to
//                   the driver's callback, as another page could; its answer
//                   is recorded (forged_post_status, forged_post_page); then
//                   as login
// Also recorded: response_mode, how the answer reached the driver
// (callback_method), whether it carried the request's state
// (callback_state_matches) and its code (code, for the secrets checks).

export async function signIn(page, { mode, user, control, record }) {
  const authorization = new URL(page.url());
  const redirect = authorization.searchParams.get('redirect_uri');
  const state = authorization.searchParams.get('state');
  record.response_mode = authorization.searchParams.get('response_mode');
  record.login_page = authorization.pathname;
  if (mode === 'forge') {
    const forged = await fetch(redirect, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ code: 'forged-code', state: 'forged-state' }).toString(),
    });
    record.forged_post_status = forged.status;
    record.forged_post_page = await forged.text();
  }
  page.on('request', (request) => {
    if (request.url().startsWith(redirect)) {
      const answer = new URLSearchParams(request.method() === 'POST'
        ? request.postData() || '' : new URL(request.url()).search);
      record.callback_method = request.method();
      record.callback_state_matches = answer.get('state') === state;
      record.code = answer.get('code');
    }
  });
  // Caught here so a refused callback is reported, not an unhandled rejection.
  const landed = page.waitForURL((u) => u.href.startsWith(redirect), { timeout: 60000 }).catch((e) => e);
  if (mode === 'cancel') {
    await page.click('#idBtn_Back');
  } else {
    await page.fill('input[name=loginfmt]', user);
    if (mode === 'wrong-password' || mode === 'retry') {
      await page.fill('input[name=passwd]', `not-the-password-of-${user}`);
      await Promise.all([page.waitForNavigation(), page.click('#idSIButton9')]);
      record.entra_error = (await page.innerText('#passwordError')).trim();
      if (mode === 'wrong-password') {
        return;
      }
    }
    await page.fill('input[name=passwd]', control.password);
    await page.click('#idSIButton9');
  }
  const navigation = await landed;
  if (navigation instanceof Error) {
    throw navigation;
  }
  await page.waitForLoadState('load');
}
