import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.people.identifiers import (
    IdentifierError,
    Vault,
    check_character,
    mask_cert_no,
    mask_id_number,
    mask_phone,
    normalize_phone,
    parse_cert_no,
    parse_id_number,
)
from tests.helpers import id_number

FULL_ID = re.compile(r"\d{17}[\dX]")


def test_a_valid_id_number_gives_birth_date_and_gender():
    parsed = parse_id_number(id_number(123))
    assert parsed.birth_date == date(2001, 5, 17)
    assert parsed.gender == "male"  # odd sequence digit
    assert parse_id_number(id_number(124)).gender == "female"


def test_the_check_character_can_be_x():
    first17 = next(
        f"52010319990721{n:03d}"
        for n in range(1000)
        if check_character(f"52010319990721{n:03d}") == "X"
    )
    assert parse_id_number(first17 + "x").number.endswith("X")


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        (id_number(1)[:17] + ("0" if id_number(1)[17] != "0" else "1"), "check character"),
        ("52010220011332001X", "not a real date"),
        ("5201022001051700", "18 characters"),
        ("52010230010517001X", "out of range"),
    ],
)
def test_invalid_id_numbers_say_why(number, reason):
    with pytest.raises(IdentifierError, match=reason):
        parse_id_number(number)


def test_a_certificate_number_is_the_id_number_with_category_and_grade():
    cert = parse_cert_no(id_number(5) + "23")
    assert (cert.disability_type, cert.grade, cert.id_number) == ("hearing", 3, id_number(5))
    with pytest.raises(IdentifierError, match="category"):
        parse_cert_no(id_number(5) + "83")
    with pytest.raises(IdentifierError, match="grade"):
        parse_cert_no(id_number(5) + "25")


def test_masks_follow_the_security_promise():
    number = id_number(7)
    assert mask_id_number(number) == number[:3] + "*" * 11 + number[-4:]
    assert mask_cert_no(number + "41").endswith("**")  # category and grade are health data
    assert mask_phone("13900001234") == "139****1234"


@given(st.integers(min_value=0, max_value=999), st.dates(date(1930, 1, 1), date(2010, 12, 31)))
def test_masked_identifiers_never_contain_a_full_id_number(n, birth):
    number = id_number(n, birth=birth)
    assert not FULL_ID.search(mask_id_number(number))
    assert not FULL_ID.search(mask_cert_no(number + "11"))


@pytest.mark.parametrize("phone", ["139 0000 1234", "+86 13900001234", "0851-86001234"])
def test_phone_numbers_are_normalized(phone):
    assert normalize_phone(phone).isdigit()


def test_a_short_phone_number_is_refused():
    with pytest.raises(IdentifierError):
        normalize_phone("12345")


def test_the_vault_round_trips_and_its_digest_is_keyed(vault):
    blob = vault.encrypt("520102200105171234")
    assert b"520102" not in blob
    assert vault.decrypt(blob) == "520102200105171234"
    assert vault.encrypt("x") != vault.encrypt("x")  # a fresh nonce each time
    assert vault.digest("x") == vault.digest("x")
    assert Vault(b"\x01" * 32).digest("x") != vault.digest("x")
