import logging

from hub.core.http.redact import (
    RedactingFilter,
    install_log_redaction,
    redact,
    redact_headers,
    redact_url,
    register_secret,
    replace_secrets,
    secrets_registry,
)


def test_registered_secret_is_masked_everywhere_including_url_encoded() -> None:
    register_secret("rd-s3cret/value+1")
    text = redact("echo rd-s3cret/value+1 and ?x=rd-s3cret%2Fvalue%2B1")
    assert "rd-s3cret" not in text
    assert text == "echo *** and ?x=***"


def test_short_values_are_not_registered() -> None:
    register_secret("abc12")
    assert redact("abc12 stays") == "abc12 stays"


def test_longest_secret_is_masked_first() -> None:
    register_secret("rd-prefix")
    register_secret("rd-prefix-and-more")
    assert redact("x rd-prefix-and-more y") == "x *** y"


def test_values_of_sensitive_keys_are_masked() -> None:
    cases = {
        "/orders?consumer_key=ck_1&consumer_secret=cs_abc&page=2":
            "/orders?consumer_key=***&consumer_secret=***&page=2",
        '{"access_token": "APP_USR-1", "user_id": 5, "refresh_token":"TG-2"}':
            '{"access_token": "***", "user_id": 5, "refresh_token":"***"}',
        "{'client_secret': 'abc', 'x': 1}": "{'client_secret': '***', 'x': 1}",
        "Authorization: Bearer abc.def": "Authorization: Bearer ***",
        "X-VTEX-API-AppKey: vtexappkey-x": "X-VTEX-API-AppKey: ***",
        "/callback?code=TG-abc&state=xyz": "/callback?code=***&state=xyz",
        "password=hunter2 signature=beef": "password=*** signature=***",
    }
    for raw, expected in cases.items():
        assert redact(raw) == expected


def test_ordinary_text_is_untouched() -> None:
    text = "GET /orders?page=2&per_page=100&sku=AB-1 answered 500; token expired"
    assert redact(text) == text


def test_redact_url_masks_password_and_query_secrets() -> None:
    url = "https://user:pa55w0rd@shop.test/api?signature=abc&page=1"
    assert redact_url(url) == "https://user:***@shop.test/api?signature=***&page=1"


def test_redact_headers() -> None:
    register_secret("rd-header-echo")
    headers = {"Authorization": "Bearer x", "Cookie": "a=b", "X-Shopify-Access-Token": "t",
               "X-Api-Key": "k", "Accept": "application/json", "X-Note": "rd-header-echo"}
    assert redact_headers(headers) == {
        "Authorization": "***", "Cookie": "***", "X-Shopify-Access-Token": "***",
        "X-Api-Key": "***", "Accept": "application/json", "X-Note": "***"}


def test_filter_redacts_message_args_and_traceback(caplog) -> None:
    register_secret("rd-log-secret-1")
    logger = logging.getLogger("test.redact.filter")
    caplog.handler.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="test.redact.filter"):
        logger.info("token is %s, url %s", "rd-log-secret-1", "/x?access_token=abc")
        try:
            raise ValueError("boom rd-log-secret-1")
        except ValueError:
            logger.exception("failed")
    assert "rd-log-secret-1" not in caplog.text
    assert "access_token=abc" not in caplog.text
    assert "token is ***, url /x?access_token=***" in caplog.text
    assert "ValueError: boom ***" in caplog.text


def test_install_log_redaction_is_idempotent() -> None:
    logger = logging.getLogger("test.redact.install")
    handler = logging.NullHandler()
    logger.addHandler(handler)
    try:
        install_log_redaction(logger)
        install_log_redaction(logger)
        assert [type(f) for f in handler.filters] == [RedactingFilter]
    finally:
        logger.removeHandler(handler)


def test_rotating_an_accounts_tokens_keeps_only_the_current_ones() -> None:
    """30,000 rotations of one account's tokens leave the registry holding the current pair."""
    import hub

    account = hub.Account(name="rotating", platform="rdplat",
                          credentials={"access_token": "rot-access-start"})
    before = len(secrets_registry)
    for i in range(30_000):
        register_secret(f"rot-access-{i:05d}")  # what a plugin does with a fresh token
        account.credentials = {"access_token": f"rot-access-{i:05d}", "refresh_token": f"rot-refresh-{i:05d}"}
    owned = secrets_registry.owned("account:rdplat/rotating#credentials")
    assert owned == {"rot-access-29999", "rot-refresh-29999"}
    assert len(secrets_registry) <= before + 2
    assert redact("a rot-access-29999 b rot-refresh-29999") == "a *** b ***"
    assert redact("old rot-access-29998") == "old rot-access-29998"


def test_many_secrets_are_masked_by_the_prefix_scan() -> None:
    """Past a few dozen values redaction scans the text once; matches stay leftmost-longest."""
    values = [f"scan-secret-{i:04d}" for i in range(200)]
    replace_secrets("test:scan", values)
    try:
        assert redact("x scan-secret-0007 y scan-secret-0199z") == "x *** y ***z"
        replace_secrets("test:scan-long", ["scan-secret-0007-and-more"])
        assert redact("scan-secret-0007-and-more!") == "***!"
        assert redact("nothing here scan-secret-") == "nothing here scan-secret-"
    finally:
        replace_secrets("test:scan", ())
        replace_secrets("test:scan-long", ())
    assert redact("scan-secret-0007") == "scan-secret-0007"


def test_loose_values_are_bounded() -> None:
    from hub.core.http import redact as module

    for i in range(module.LOOSE_LIMIT + 50):
        register_secret(f"loose-value-{i:05d}")
    assert redact(f"loose-value-{module.LOOSE_LIMIT + 49:05d}") == "***"
    assert redact("loose-value-00000") == "loose-value-00000"
