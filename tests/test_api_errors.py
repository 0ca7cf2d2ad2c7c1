"""The API's one error format holds for nested field errors and for unexpected failures."""

import pytest
from rest_framework.test import APIRequestFactory

from config.api import exception_handler


def test_nested_field_errors_name_the_field_and_number_the_item():
    from rest_framework.exceptions import ValidationError

    exc = ValidationError({"indicators": [{}, {"our_value": ["必填。"]}], "quotas": {"12": ["不能为负数。"]}, "ids": {0: ["请填写合法的整数。"]}})

    body = exception_handler(exc, {}).data

    assert body["error"]["fields"] == {
        "indicators.our_value": ["第2项：必填。"], "quotas.12": ["不能为负数。"], "ids": ["第1项：请填写合法的整数。"],
    }


@pytest.mark.django_db
def test_an_unexpected_error_answers_500_in_the_api_format(settings):
    settings.DEBUG = False
    request = APIRequestFactory().get("/api/v1/anything/")

    response = exception_handler(RuntimeError("boom"), {"request": request})

    assert response.status_code == 500
    assert response.data["error"]["code"] == "server_error"
    assert "boom" not in str(response.data)
