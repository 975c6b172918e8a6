"""Personal identifiers: validation, masking, and encryption at rest.

* National ID numbers follow GB 11643-1999: 6 area digits, the birth date, a 3-digit
  sequence (odd for men) and an ISO 7064 MOD 11-2 check character.
* A second-generation disability certificate number (残疾人证号) is the holder's 18-character
  ID number followed by a category digit (1 visual … 7 multiple) and a grade digit (1–4).
  Its last two digits are health data, so masking hides them too (SECURITY.md item 14).
* Identifiers are stored encrypted (AES-256-GCM) with a keyed digest (HMAC-SHA256) for
  exact look-ups, both keys derived from the one data key (SECURITY.md item 15).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from datetime import date

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from matcher.core import clock

__all__ = [
    "CERT_CATEGORY_DIGITS",
    "IdentifierError",
    "Vault",
    "check_character",
    "mask_cert_no",
    "mask_id_number",
    "mask_phone",
    "normalize_phone",
    "parse_cert_no",
    "parse_id_number",
]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^[1-9]\d{16}[\dX]$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")

# The category digit of the certificate number, as the certificate system codes it.
CERT_CATEGORY_DIGITS = {
    "1": "visual",
    "2": "hearing",
    "3": "speech",
    "4": "physical",
    "5": "intellectual",
    "6": "psychosocial",
    "7": "multiple",
}


class IdentifierError(ValueError):
    """The value is not a valid identifier; the message says why, without echoing it."""


@dataclass(frozen=True)
class NationalId:
    number: str
    birth_date: date
    gender: str  # "male" / "female"


@dataclass(frozen=True)
class CertNo:
    number: str
    id_number: str
    disability_type: str
    grade: int


def check_character(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def parse_id_number(text: str, *, today: date | None = None) -> NationalId:
    number = text.strip().upper().replace(" ", "")
    if not _ID_SHAPE.match(number):
        raise IdentifierError("must be 18 characters: 17 digits and a final digit or X")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise IdentifierError("the birth date inside the number is not a real date") from exc
    if not date(1900, 1, 1) <= birth <= (today or clock.today()):
        raise IdentifierError("the birth date inside the number is out of range")
    if check_character(number[:17]) != number[17]:
        raise IdentifierError("the check character is wrong (GB 11643-1999)")
    gender = "male" if int(number[16]) % 2 else "female"
    return NationalId(number=number, birth_date=birth, gender=gender)


def parse_cert_no(text: str, *, today: date | None = None) -> CertNo:
    number = text.strip().upper().replace(" ", "")
    if len(number) != 20:
        raise IdentifierError("must be 20 characters: the 18-character ID number, category, grade")
    try:
        national = parse_id_number(number[:18], today=today)
    except IdentifierError as exc:
        raise IdentifierError(f"its first 18 characters are not a valid ID number: {exc}") from exc
    category, grade = number[18], number[19]
    if category not in CERT_CATEGORY_DIGITS:
        raise IdentifierError("the 19th character (disability category) must be 1 to 7")
    if grade not in "1234":
        raise IdentifierError("the 20th character (disability grade) must be 1 to 4")
    return CertNo(
        number=number,
        id_number=national.number,
        disability_type=CERT_CATEGORY_DIGITS[category],
        grade=int(grade),
    )


def normalize_phone(text: str) -> str:
    digits = re.sub(r"[\s\-()（）]", "", text.strip())
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if _MOBILE.match(digits) or _LANDLINE.match(digits):
        return digits
    raise IdentifierError("must be an 11-digit mobile number or a landline with its area code")


def mask_id_number(number: str) -> str:
    return number[:3] + "*" * 11 + number[-4:]


def mask_cert_no(number: str) -> str:
    return mask_id_number(number[:18]) + "**"


def mask_phone(number: str) -> str:
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


class Vault:
    """Encrypts identifiers and computes their look-up digests with keys from the data key."""

    _VERSION = b"\x01"

    def __init__(self, data_key: bytes) -> None:
        if len(data_key) != 32:
            raise ValueError("the data key must be 32 bytes")
        self._aead = AESGCM(self._derive(data_key, b"jobbridge identifiers encryption v1"))
        self._digest_key = self._derive(data_key, b"jobbridge identifiers digest v1")

    @staticmethod
    def _derive(key: bytes, info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key)

    def encrypt(self, value: str) -> bytes:
        nonce = os.urandom(12)
        return self._VERSION + nonce + self._aead.encrypt(nonce, value.encode("utf-8"), None)

    def decrypt(self, blob: bytes) -> str:
        if blob[:1] != self._VERSION:
            raise ValueError("unknown ciphertext version")
        return self._aead.decrypt(blob[1:13], blob[13:], None).decode("utf-8")

    def digest(self, value: str) -> str:
        return hmac.new(self._digest_key, value.encode("utf-8"), hashlib.sha256).hexdigest()
