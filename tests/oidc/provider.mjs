// A real OpenID provider for Sprankel's login tests: panva's oidc-provider (OpenID
// certified) with its own login and consent pages (devInteractions: any login name and
// password). tests/oidc_provider.py starts it with a configuration in OIDC_CONFIG:
//   {port, issuer, client: {client_id, client_secret, redirect_uris, post_logout_redirect_uris},
//    jwks: {keys: [private JWKs]}, groups: {login: [group, ...]}}
// The signing keys come from the test, so a test can sign ID tokens with the provider's
// own keys (and rotate them by restarting the provider with a new set).
import Provider from "oidc-provider";

const config = JSON.parse(process.env.OIDC_CONFIG);

const provider = new Provider(config.issuer, {
  clients: [{
    ...config.client,
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
  }],
  jwks: config.jwks,
  cookies: { keys: ["sprankel-test-provider-cookie-key"] },
  claims: { openid: ["sub"], profile: ["name"], email: ["email"], groups: ["groups"] },
  scopes: ["openid", "profile", "email", "groups", "offline_access"],
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          name: `${id.charAt(0).toUpperCase()}${id.slice(1)} de Tester`,
          email: `${id}@example.org`,
          groups: config.groups?.[id] ?? [],
        };
      },
    };
  },
});
provider.proxy = false;
for (const event of ["server_error", "authorization.error", "grant.error", "end_session.error"]) {
  provider.on(event, (ctx, err) => console.error(`${event}: ${err?.stack || err}`));
}

provider.listen(config.port, "127.0.0.1", () => {
  console.log(`oidc-provider listening on ${config.issuer}`);
});
