"""Password sign-in, on the page and for programs, is rate limited like every public endpoint (RL-01)."""


def test_password_sign_in_is_rate_limited_per_account_name(client, world):
    statuses = [
        client.post(
            "/accounts/login/", {"username": "grid1", "password": f"wrong-{i}"}, REMOTE_ADDR=f"10.9.0.{i}"
        ).status_code
        for i in range(21)
    ]
    assert statuses[:20] == [200] * 20 and statuses[20] == 429
    token = client.post("/api/v1/auth/token/", {"username": "grid1", "password": "x"}, REMOTE_ADDR="10.9.1.1")
    assert token.status_code == 429 and token.json()["code"] == "rate_limited"
