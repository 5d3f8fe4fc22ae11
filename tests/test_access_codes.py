"""Access codes: how they are made, read back from a slip and stored."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey_app.codes.access_codes import (
    ALPHABET,
    MalformedCode,
    format_code,
    generate_code,
    hash_code,
    normalise_code,
)


def test_codes_use_ten_characters_without_look_alikes():
    for _ in range(500):
        code = generate_code()
        assert re.fullmatch("[ABCDEFGHJKLMNPQRTUVWXYZ2346789]{10}", code)
    assert not set("IOS015") & set(ALPHABET)


def test_codes_are_not_repeated():
    assert len({generate_code() for _ in range(5000)}) == 5000


def test_a_code_is_printed_as_two_groups_of_five():
    assert format_code("KM7QX2P9RT") == "KM7QX-2P9RT"


@pytest.mark.parametrize(
    "typed",
    ["KM7QX-2P9RT", "km7qx-2p9rt", "KM7QX 2P9RT", " km7qx2p9rt ", "KM7QX – 2P9RT"],
)
def test_typed_codes_are_read_in_any_case_with_or_without_separators(typed):
    assert normalise_code(typed) == "KM7QX2P9RT"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "empty"),
        ("KM7QX", "length"),
        ("KM7QX-2P9RTT", "length"),
        ("KM7QX-2P9R0", "characters"),
        ("KM7QX-2P9RS", "characters"),
    ],
)
def test_what_cannot_be_a_code_says_why(typed, reason):
    with pytest.raises(MalformedCode, match=reason):
        normalise_code(typed)


@given(st.text(alphabet=ALPHABET, min_size=10, max_size=10))
def test_every_printed_code_reads_back_to_itself(code):
    assert normalise_code(format_code(code)) == code
    assert normalise_code(format_code(code).lower()) == code


def test_the_stored_hash_depends_on_the_key_and_hides_the_code():
    stored = hash_code("KM7QX2P9RT", "key-one")
    assert stored == hash_code("KM7QX2P9RT", "key-one")
    assert stored != hash_code("KM7QX2P9RT", "key-two")
    assert stored != hash_code("KM7QX2P9RU", "key-one")
    assert "KM7QX2P9RT" not in stored
    assert re.fullmatch("[0-9a-f]{64}", stored)
