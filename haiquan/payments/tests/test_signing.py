from haiquan.payments.signing import body_hash, sign, signature_matches

BODY = b'{"order_reference":"TT10000000000101"}'


def test_signature_matches_an_independent_hmac_implementation() -> None:
    # printf '1767225600.{"order_reference":"TT10000000000101"}' \
    #   | openssl dgst -sha256 -hmac 'bank-secret'
    expected = "15d6d309cea93d7c6f14b44e05aaf853286226db93e239683333c9d61b682cc9"
    assert sign("bank-secret", "1767225600", BODY) == expected


def test_the_timestamp_is_part_of_what_is_signed() -> None:
    assert sign("bank-secret", "1767225600", BODY) != sign("bank-secret", "1767225601", BODY)


def test_signature_check_accepts_upper_case_hex_and_refuses_any_change() -> None:
    good = sign("bank-secret", "1767225600", BODY)
    assert signature_matches("bank-secret", "1767225600", BODY, good.upper())
    assert not signature_matches("bank-secret", "1767225600", BODY + b" ", good)
    assert not signature_matches("other-secret", "1767225600", BODY, good)
    assert not signature_matches("bank-secret", "1767225600", BODY, good[:-1] + "0")
    # Non-ASCII input is a refusal, not a crash.
    assert not signature_matches("bank-secret", "1767225600", BODY, "é" * 64)


def test_body_hash_is_the_sha256_of_the_raw_bytes() -> None:
    # printf '' | sha256sum
    assert body_hash(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
