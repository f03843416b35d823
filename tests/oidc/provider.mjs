// A real OpenID Connect provider for the sign-in tests: panva's oidc-provider (npm),
// with its development login and consent pages, one confidential client (the portal),
// and the accounts the test passes in. Usage:
//   node tests/oidc/provider.mjs <port> <portal callback URL> '<accounts JSON>'
// accounts: {"alice": {"given_name": "Alice", "family_name": "Ames", "email": "...",
//            "groups": ["ic-staff"]}, ...}. Prints "ready" once it listens.
import Provider from 'oidc-provider';

const [port, callback, accountsJson] = process.argv.slice(2);
const accounts = JSON.parse(accountsJson);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'icportal',
    client_secret: 'icportal-test-secret',
    redirect_uris: [callback],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  scopes: ['openid', 'profile', 'email', 'groups'],
  claims: {
    openid: ['sub'],
    profile: ['preferred_username', 'given_name', 'family_name'],
    email: ['email'],
    groups: ['groups'],
  },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, preferred_username: id, ...account };
      },
    };
  },
  pkce: { required: () => true },
  cookies: { keys: ['icportal-oidc-test-cookie-key'] },
  features: { devInteractions: { enabled: true } },
});

provider.listen(Number(port), '127.0.0.1', () => {
  console.log('ready');
});
