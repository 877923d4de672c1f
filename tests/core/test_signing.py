import base64

from hub.core.http.signing import sign_hmac, verify_hmac

# HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), a published test vector.
VECTOR = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
BODY = b"The quick brown fox jumps over the lazy dog"


def test_sign_matches_known_vector() -> None:
    assert sign_hmac("key", BODY, encoding="hex") == VECTOR
    assert sign_hmac(b"key", BODY) == base64.b64encode(bytes.fromhex(VECTOR)).decode()


def test_verify_accepts_right_signature() -> None:
    b64 = base64.b64encode(bytes.fromhex(VECTOR)).decode()
    assert verify_hmac("key", BODY, b64)
    assert verify_hmac("key", BODY, f"  {b64}\n")
    assert verify_hmac("key", BODY, VECTOR.upper(), encoding="hex")


def test_verify_rejects_tampered_body_wrong_secret_and_missing_signature() -> None:
    signature = sign_hmac("whsec", BODY)
    assert not verify_hmac("whsec", BODY + b" ", signature)
    assert not verify_hmac("whsec", BODY.replace(b"fox", b"cat"), signature)
    assert not verify_hmac("other", BODY, signature)
    assert not verify_hmac("whsec", BODY, None)
    assert not verify_hmac("whsec", BODY, "  ")
    assert not verify_hmac("", BODY, sign_hmac("x", BODY))
    assert not verify_hmac("whsec", BODY, "é" + signature)  # non-ASCII must not crash


def test_digest_and_encoding_matter() -> None:
    assert not verify_hmac("key", BODY, VECTOR, encoding="base64")
    assert not verify_hmac("key", BODY, sign_hmac("key", BODY, digest="sha1"))
    assert verify_hmac("key", BODY, sign_hmac("key", BODY, digest="sha1"), digest="sha1")
