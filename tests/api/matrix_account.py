from tests.api.matrix import Case, everyone

CASES = [
    Case("get_me", path=lambda w: "/me", expect=everyone(200)),
    Case("revoke_token", path=lambda w: "/token", expect=everyone(204)),
]
