"""The shape of an authenticity code: 80 random bits in a readable alphabet and one check character.

A code is 16 characters of `secrets` randomness (80 bits) written in an alphabet
of 32 letters and digits without 0/O/1/I, followed by a Luhn mod 32 check
character. The check character catches every single mistyped character and
almost every swap of two neighbours, so a consumer who mistypes is told
"请检查输入" rather than "未查询到" (a code that never existed).
"""
import base64
import hashlib
import hmac
import secrets

from app.config import get_settings

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
BODY_LENGTH = 16  # 16 characters × 5 bits = 80 random bits
CODE_LENGTH = BODY_LENGTH + 1
PIN_DIGITS = 6
# What people type between groups of characters or confuse with a letter.
_SEPARATORS = str.maketrans("", "", " -_\t\u3000")

_FROM_BASE32 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET.encode())
_VALUE = bytes(ALPHABET.index(chr(b)) if chr(b) in ALPHABET else 0 for b in range(256))
_DOUBLED = bytes((2 * v) // 32 + (2 * v) % 32 for v in _VALUE)


def check_character(body):
    """The Luhn mod 32 check character of a 16-character body.

    Counting from the right, every other character is doubled (its two base-32
    digits summed); a byte-table `translate` keeps this at C speed for millions of codes.
    """
    raw = body.encode("ascii")
    total = sum(raw[1::2].translate(_DOUBLED)) + sum(raw[0::2].translate(_VALUE))
    return ALPHABET[-total % 32]


def new_codes(count):
    """`count` fresh random codes (body and check character)."""
    text = base64.b32encode(secrets.token_bytes(10 * count)).translate(_FROM_BASE32).decode("ascii")
    bodies = (text[start:start + BODY_LENGTH] for start in range(0, len(text), BODY_LENGTH))
    return [body + check_character(body) for body in bodies]


def normalize(text):
    """The code as typed, upper-cased and without spaces or dashes."""
    return (text or "").translate(_SEPARATORS).upper()


def looks_like_code(text):
    """True when the text, as typed, is a code or a code short of its check character (16–17 code characters)."""
    code = normalize(text)
    return BODY_LENGTH <= len(code) <= CODE_LENGTH and all(char in ALPHABET for char in code)


def classify(text):
    """("valid", code), ("mistyped", code) when the shape is wrong or the check fails, of a typed code."""
    code = normalize(text)
    if len(code) != CODE_LENGTH or any(char not in ALPHABET for char in code):
        return "mistyped", code[:40]
    if check_character(code[:BODY_LENGTH]) != code[-1]:
        return "mistyped", code
    return "valid", code


def _pin_key():
    settings = get_settings()
    return (settings.CODE_PIN_KEY or hmac.new(settings.SECRET_KEY.encode(), b"code-pin", hashlib.sha256)
            .hexdigest()).encode()


def pin_for(code):
    """The scratch-off PIN printed under a code's label.

    Derived from a key that never enters the database, so labels can be printed
    again from the batch while a copy of the database reveals no PIN.
    """
    digest = hmac.new(_pin_key(), b"pin:" + code.encode(), hashlib.sha256).digest()
    return str(int.from_bytes(digest[:8], "big") % 10**PIN_DIGITS).zfill(PIN_DIGITS)


def pin_hash(code, pin):
    """What the database keeps of a PIN: a keyed hash bound to its code."""
    return hmac.new(_pin_key(), f"hash:{code}:{pin}".encode(), hashlib.sha256).hexdigest()[:32]


def pin_matches(code, pin, stored_hash):
    """True when `pin` is the PIN whose hash is stored for `code` (constant-time)."""
    return bool(stored_hash) and hmac.compare_digest(pin_hash(code, (pin or "").strip()), stored_hash)
