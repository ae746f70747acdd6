// A real OpenID provider (node's oidc-provider) for the BrowserOidcTip tests,
// configured as an identity-provider administrator would: authorization code
// flow, PKCE S256 required, registered loopback redirect URIs, refresh tokens
// for offline_access. Its own login and consent pages (devInteractions) are
// what the headless browser fills in.
//
// Usage: node provider.mjs REDIRECT_PORT [REDIRECT_PORT ...]
// Prints "oidc-provider listening on http://127.0.0.1:PORT" once ready and
// exits when its stdin closes, so a crashed test leaves nothing behind.
// Environment: OIDC_ID_TOKEN_TTL (seconds, default 3600); OIDC_CLIENT_AUTH_METHODS
// (comma-separated, default none,client_secret_basic,client_secret_post): what
// the token endpoint advertises, and so which clients exist; OIDC_ISSUED_LOG (a
// file): each authorization code, access token and refresh token issued, one
// "kind value" line each, for tests that check no secret reaches a log;
// OIDC_TLS_PFX and OIDC_TLS_PASSPHRASE: serve HTTPS with that PKCS#12
// certificate and key.
import { appendFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const CLIENTS = {
  // A desktop (public) client: no secret, PKCE only.
  public: 'athena-desktop',
  // Confidential clients, one per way of sending the secret.
  basic: 'athena-basic',
  post: 'athena-post',
};
const CLIENT_SECRET = 'provider-client-secret-0123456789';

const ports = process.argv.slice(2).map(Number).filter((p) => p > 0);
if (ports.length === 0) {
  console.error('usage: node provider.mjs REDIRECT_PORT [REDIRECT_PORT ...]');
  process.exit(2);
}
const redirectUris = ports.map((p) => `http://localhost:${p}/athena`);
const idTokenTtl = Number(process.env.OIDC_ID_TOKEN_TTL || 3600);

const tls = process.env.OIDC_TLS_PFX
  ? { pfx: readFileSync(process.env.OIDC_TLS_PFX), passphrase: process.env.OIDC_TLS_PASSPHRASE || '' }
  : null;
const server = tls ? https.createServer(tls) : http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `${tls ? 'https' : 'http'}://127.0.0.1:${server.address().port}`;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const common = {
  application_type: 'native',
  redirect_uris: redirectUris,
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
};
const authMethods = (process.env.OIDC_CLIENT_AUTH_METHODS || 'none,client_secret_basic,client_secret_post').split(',');
const clients = [
  { ...common, client_id: CLIENTS.public, token_endpoint_auth_method: 'none' },
  { ...common, client_id: CLIENTS.basic, client_secret: CLIENT_SECRET, token_endpoint_auth_method: 'client_secret_basic' },
  { ...common, client_id: CLIENTS.post, client_secret: CLIENT_SECRET, token_endpoint_auth_method: 'client_secret_post' },
].filter((c) => authMethods.includes(c.token_endpoint_auth_method));
const provider = new Provider(issuer, {
  clients,
  clientAuthMethods: authMethods,
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'offline_access'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  // The id token carries the email claim, as Identity Center's mapping needs.
  conformIdTokenClaims: false,
  findAccount: async (_ctx, id) => ({
    accountId: id,
    async claims() {
      return { sub: id, email: `${id}@example.com`, email_verified: true };
    },
  }),
  features: { devInteractions: { enabled: true } },
  jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test-rsa', use: 'sig', alg: 'RS256' }] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  ttl: { IdToken: idTokenTtl, AccessToken: idTokenTtl, RefreshToken: 86400, Grant: 86400, Session: 86400, Interaction: 600 },
});
if (process.env.OIDC_ISSUED_LOG) {
  // An opaque token's value is its jti.
  const record = (kind) => (token) => appendFileSync(process.env.OIDC_ISSUED_LOG, `${kind} ${token.jti}\n`);
  provider.on('authorization_code.saved', record('code'));
  provider.on('access_token.saved', record('access_token'));
  provider.on('refresh_token.saved', record('refresh_token'));
}
// Loopback over plain http is what the tests run; oidc-provider allows it.
provider.proxy = false;
server.on('request', provider.callback());

process.stdout.write(`oidc-provider listening on ${issuer}\n`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
