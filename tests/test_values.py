"""config/values.py: the generic value checks the services share."""

import pytest
from django.core.exceptions import ValidationError

from config.values import clean_ids


def test_clean_ids_takes_a_single_id_as_one_id_not_its_digits():
    assert clean_ids("12", "ids") == [12]
    assert clean_ids(12, "ids") == [12]
    assert clean_ids(["12", "3", "12"], "ids") == [12, 3]


@pytest.mark.parametrize("value", ["١٢", "²", "1e3", "-1", "9" * 19])
def test_clean_ids_refuses_anything_but_ascii_ids(value):
    with pytest.raises(ValidationError) as exc:
        clean_ids([value], "ids")
    assert list(exc.value.message_dict) == ["ids"]
