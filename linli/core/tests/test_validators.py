"""ID numbers (GB 11643 MOD 11-2), personal phones and masks (SECURITY.md IV-01, AC-03)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from linli.core.validators import (
    id_check_char,
    id_number_birth_date,
    id_number_gender,
    mask_id_number,
    mask_phone,
    validate_id_number,
    validate_personal_phone,
)

regions = st.sampled_from(["110101", "120101", "120105", "130104", "440305"])
births = st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 11, 30))


@st.composite
def id_numbers(draw):
    body = f"{draw(regions)}{draw(births):%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return body + id_check_char(body)


@given(id_numbers())
def test_every_well_formed_id_number_passes(value):
    validate_id_number(value)
    assert id_number_birth_date(value).strftime("%Y%m%d") == value[6:14]


@given(id_numbers(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_changing_any_one_character_is_caught(value, position, replacement):
    changed = value[:position] + replacement + value[position + 1 :]
    if changed == value:
        return
    with pytest.raises(ValidationError):
        validate_id_number(changed)


def test_the_known_example_and_its_sex():
    assert id_check_char("11010519491231002") == "X"
    validate_id_number("11010519491231002x")  # a lower-case x is accepted as X
    assert id_number_gender("11010519491231002X") == "female"


@pytest.mark.parametrize("value", ["13812345678", "022-23456789", "23456789", "+86 138 1234 5678"])
def test_a_personal_phone_is_a_mobile_or_a_landline(value):
    validate_personal_phone(value)


@pytest.mark.parametrize("value", ["12345", "110", "1381234567", "23812345678", "abc"])
def test_service_numbers_and_typos_are_not_personal_phones(value):
    with pytest.raises(ValidationError):
        validate_personal_phone(value)


def test_masks_keep_enough_to_recognise_not_to_use():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_phone("13812345678") == "138****5678"
