"""The shape of a code: 80 random bits in a readable alphabet, a check character, a PIN kept only as a hash."""
from app.codes import codec


def test_a_code_is_sixteen_random_characters_and_a_check_character():
    code = codec.new_codes(1)[0]
    assert len(code) == 17 and codec.BODY_LENGTH * 5 >= 80
    assert codec.classify(code) == ("valid", code)


def test_codes_avoid_characters_that_look_alike():
    text = "".join(codec.new_codes(2000))
    assert not set(text) & set("0O1I")


def test_every_single_mistyped_character_fails_the_check():
    code = codec.new_codes(1)[0]
    for position in range(len(code)):
        for char in codec.ALPHABET:
            if char != code[position]:
                typo = code[:position] + char + code[position + 1:]
                assert codec.classify(typo)[0] == "mistyped"


def test_typing_is_forgiving_about_case_spaces_and_dashes():
    code = codec.new_codes(1)[0]
    typed = f"{code[:4].lower()}-{code[4:8]} {code[8:]}"
    assert codec.classify(typed) == ("valid", code)


def test_a_wrong_length_or_foreign_character_is_mistyped():
    assert codec.classify("ABC")[0] == "mistyped"
    assert codec.classify("0" * 17)[0] == "mistyped"


def test_the_pin_is_checked_against_its_hash_only():
    code = codec.new_codes(1)[0]
    pin = codec.pin_for(code)
    stored = codec.pin_hash(code, pin)
    assert pin not in stored and len(pin) == codec.PIN_DIGITS
    assert codec.pin_matches(code, pin, stored)
    assert not codec.pin_matches(code, str((int(pin) + 1) % 10**6).zfill(6), stored)
