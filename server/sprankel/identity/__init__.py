"""Identity: login with the organisation's account through OpenID Connect (provider.py),
the login sessions kept in the store behind a cookie (logins.py), and who may create
and join (policy.py). The HTTP edge is api/identity.py; without --oidc-issuer none of
this runs and Sprankel works without accounts, as before.
"""
