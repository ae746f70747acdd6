// SimpleSAMLphp's pages (tests/saml-idp), as the person at the desk uses them
// in the BrowserSaml tests: the login form, then the provider's auto-posting
// form that carries the SAMLResponse to the driver's listener.
//
// Control fields: callback (the driver's http://localhost:PORT/athena),
// password, and for mode "post" a response (base64 SAMLResponse).
// Modes:
//   login           sign in; returns once the driver's tab has loaded (64
//                   characters of the posted response: saml_response_slice,
//                   and its assertion's SignatureValue: saml_signature)
//   wrong-password  submit a wrong password, record the page's error as
//                   idp_error, and stop there (nobody signs in)
//   post            post control.response to the callback from a page (as a
//                   stale tab or another site could), record the driver's tab
//                   as posted_page, and stop there
const SUBMIT = '#submit_button';

export async function signIn(page, { mode, user, control, record }) {
  const callback = control.callback;
  record.login_page = new URL(page.url()).pathname;
  if (mode === 'post') {
    await page.setContent(`<form method="post" action="${callback}"><input type="hidden" name="SAMLResponse"></form>`);
    await page.$eval('input', (input, value) => { input.value = value; }, control.response);
    const landed = page.waitForURL((u) => u.href.startsWith(callback), { timeout: 30000 });
    await page.$eval('form', (form) => form.submit());
    await landed;
    await page.waitForLoadState('load');
    record.posted_page = await page.innerText('body');
    return;
  }
  await page.fill('#username', user);
  if (mode === 'wrong-password') {
    await page.fill('#password', 'not-the-password-of-' + user);
    await Promise.all([page.waitForNavigation(), page.click(SUBMIT)]);
    record.idp_error = (await page.innerText('strong')).trim();
    return;
  }
  await page.fill('#password', control.password);
  // A piece of the posted response, so a test can look for it in the driver's log.
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().startsWith(callback)) {
      const response = new URLSearchParams(request.postData() || '').get('SAMLResponse') || '';
      const middle = Math.floor(response.length / 2);
      record.saml_response_slice = response.slice(middle, middle + 64);
      // The assertion's signature: unique to this response, in its XML.
      const xml = Buffer.from(response, 'base64').toString('utf8');
      const signatures = [...xml.matchAll(/<ds:SignatureValue>([^<]+)<\/ds:SignatureValue>/g)];
      record.saml_signature = signatures.length ? signatures[signatures.length - 1][1].trim() : null;
    }
  });
  // The provider answers with a form that posts itself to the callback.
  const landed = page.waitForURL((u) => u.href.startsWith(callback), { timeout: 60000 });
  await page.click(SUBMIT);
  await landed;
  await page.waitForLoadState('load');
}
