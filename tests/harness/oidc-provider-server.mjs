// A real OpenID Provider (the oidc-provider package) in its own process, for the sign-in tests.
// Its development login page takes any password for the accounts it knows; an admin endpoint
// changes an account's groups or disables it while the provider runs, another says how many
// refresh grants it has answered. Refresh tokens rotate, and a rotated one presented again revokes
// the whole grant (reuse detection), as a strict provider does.
//   env: PORT, CLIENT (JSON: client_id, client_secret, redirect_uris, post_logout_redirect_uris),
//        ACCOUNTS (JSON: { [sub]: { name, groups, languages, topics } })
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://localhost:${port}`;
const accounts = new Map(Object.entries(JSON.parse(process.env.ACCOUNTS ?? '{}')));
const client = JSON.parse(process.env.CLIENT ?? '{}');

const provider = new Provider(issuer, {
  clients: [{ ...client, grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] }],
  async findAccount(_ctx, sub) {
    const account = accounts.get(sub);
    if (!account || account.disabled) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...account }) };
  },
  scopes: ['openid', 'profile', 'groups', 'skills'],
  claims: { openid: ['sub'], profile: ['name'], groups: ['groups'], skills: ['languages', 'topics', 'tier'] },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true }, revocation: { enabled: true } },
  // a first-party client: no consent page
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile groups skills');
    await grant.save();
    return grant;
  },
  // the service keeps its console signed in by refreshing, without offline_access
  issueRefreshToken: async (_ctx, c) => c.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  ttl: { AccessToken: 60, IdToken: 60, AuthorizationCode: 60, RefreshToken: 3600, Session: 3600, Grant: 3600, Interaction: 600 },
  cookies: { keys: ['oidc-test-provider-cookie-key'] },
});

let refreshes = 0;
provider.on('grant.success', (ctx) => {
  if (ctx.oidc.params?.grant_type === 'refresh_token') refreshes += 1;
});

const callback = provider.callback();
createServer((request, response) => {
  if (request.url === '/test-admin/refreshes') return response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ refreshes }));
  const match = /^\/test-admin\/accounts\/([^/]+)$/.exec(request.url ?? '');
  if (!match || request.method !== 'PATCH') return callback(request, response);
  let body = '';
  request.on('data', (chunk) => (body += chunk));
  request.on('end', () => {
    const sub = decodeURIComponent(match[1]);
    const account = accounts.get(sub);
    if (!account) return response.writeHead(404).end();
    accounts.set(sub, { ...account, ...JSON.parse(body) });
    response.writeHead(204).end();
  });
}).listen(port, '127.0.0.1', () => console.log(`oidc provider listening on ${issuer}`));
