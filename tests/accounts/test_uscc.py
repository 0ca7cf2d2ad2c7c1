import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import uscc as stdnum_uscc

from accounts import services
from accounts.models import Organisation, normalise_uscc, validate_uscc
from tests import factories as f
from tests.accounts.helpers import registration_payload, row_counts, wrong_check_digit

REGISTER_URL = "/api/v1/register/"
ORGANISATIONS_URL = "/api/v1/organisations/"


@pytest.mark.parametrize(
    "code",
    [
        "91110000600037341L",  # a published example with a letter check digit
        f.make_uscc(1, "330106"),
        f.make_uscc(987654321, "330200"),
    ],
)
def test_validate_uscc_accepts_valid_code(code):
    validate_uscc(code)  # does not raise


@pytest.mark.parametrize(
    ("code", "error_code", "message"),
    [
        ("91110000600037341K", "uscc_checksum", "统一社会信用代码校验位错误，请核对后重新输入。"),
        ("9133010600000000A1", "uscc_checksum", "统一社会信用代码校验位错误，请核对后重新输入。"),
        ("9111000060003734", "uscc_length", "统一社会信用代码应为18位。"),
        ("91110000600037341L0", "uscc_length", "统一社会信用代码应为18位。"),
        ("", "uscc_length", "统一社会信用代码应为18位。"),
        ("91330106000000000O", "uscc_format", "统一社会信用代码格式错误。"),  # O is not in the alphabet
        ("9133010600000000!1", "uscc_format", "统一社会信用代码格式错误。"),
        ("ZZ3301060000000001", "uscc_format", "统一社会信用代码格式错误。"),
    ],
)
def test_validate_uscc_rejects_bad_code_with_chinese_message(code, error_code, message):
    with pytest.raises(ValidationError) as exc:
        validate_uscc(code)

    assert exc.value.code == error_code
    assert exc.value.messages == [message]


def test_normalise_uscc_strips_separators_and_uppercases():
    assert normalise_uscc(" 9111-0000 6000 3734 1l") == "91110000600037341L"
    assert normalise_uscc(None) == ""


def test_make_uscc_factory_codes_pass_stdnum():
    assert stdnum_uscc.is_valid(f.make_uscc())


# --- registration API -------------------------------------------------------------------------


@pytest.mark.django_db
def test_register_api_wrong_check_digit_answers_400_on_uscc_and_writes_nothing(
    client, django_capture_on_commit_callbacks
):
    payload = registration_payload(uscc=wrong_check_digit(f.make_uscc(region_code="330106")))
    before = row_counts()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(REGISTER_URL, payload, content_type="application/json")

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == "invalid"
    assert list(body["error"]["fields"]) == ["uscc"]
    assert body["error"]["fields"]["uscc"] == ["统一社会信用代码校验位错误，请核对后重新输入。"]
    assert "校验位错误" in body["error"]["message"]
    assert row_counts() == before
    assert callbacks == []


@pytest.mark.django_db
def test_register_api_duplicate_uscc_answers_400_on_uscc_and_writes_nothing(world, client, mailoutbox):
    payload = registration_payload(uscc=world.ent_hz.uscc)
    before = row_counts()

    response = client.post(REGISTER_URL, payload, content_type="application/json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["uscc"]
    assert "已注册" in response.json()["error"]["fields"]["uscc"][0]
    assert row_counts() == before
    assert mailoutbox == []


@pytest.mark.django_db
def test_register_api_duplicate_uscc_in_other_spelling_is_still_a_duplicate(world, client):
    spelled = " " + world.ent_hz.uscc.lower()[:9] + "-" + world.ent_hz.uscc.lower()[9:]
    before = row_counts()

    response = client.post(REGISTER_URL, registration_payload(uscc=spelled), content_type="application/json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["uscc"]
    assert row_counts() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"uscc": "9133010600000000"}, "uscc"),
        ({"uscc": "91330106000000000O"}, "uscc"),
        ({"region": "city"}, "region"),
        ({"email": "not-an-email"}, "email"),
        ({"username": "有 空格"}, "username"),
        ({"password": "short"}, "password"),
        ({"password": "1234567890123"}, "password"),  # long enough but entirely numeric
        ({"name": ""}, "name"),
    ],
)
@pytest.mark.django_db
def test_register_api_bad_input_answers_400_naming_the_field_and_writes_nothing(client, overrides, field):
    if overrides.get("region") == "city":
        overrides = {"region": f.region("3301").pk}  # only counties may be chosen
    before = row_counts()

    response = client.post(REGISTER_URL, registration_payload(**overrides), content_type="application/json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert row_counts() == before


@pytest.mark.django_db
def test_register_api_taken_username_or_email_answers_400_and_writes_nothing(world, client):
    before = row_counts()

    by_name = client.post(REGISTER_URL, registration_payload(username="HZ"), content_type="application/json")
    by_mail = client.post(
        REGISTER_URL, registration_payload(email=world.hz_user.email.upper()), content_type="application/json"
    )

    assert by_name.status_code == 400 and list(by_name.json()["error"]["fields"]) == ["username"]
    assert by_mail.status_code == 400 and list(by_mail.json()["error"]["fields"]) == ["email"]
    assert row_counts() == before


# --- organisation creation API (province staff) -----------------------------------------------


def _insurer_payload(**overrides):
    data = {
        "kind": "insurer",
        "name": "测试财产保险股份有限公司浙江分公司",
        "uscc": f.make_uscc(region_code="330000"),
        "region": f.region("33").pk,
        "contact_name": "李四",
        "contact_email": "insurer@example.cn",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_create_organisation_api_wrong_check_digit_answers_400_on_uscc_and_writes_nothing(world, client):
    client.force_login(world.province_user)
    before = row_counts()

    response = client.post(
        ORGANISATIONS_URL, _insurer_payload(uscc=wrong_check_digit(f.make_uscc())), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"uscc": ["统一社会信用代码校验位错误，请核对后重新输入。"]}
    assert row_counts() == before


@pytest.mark.django_db
def test_create_organisation_api_duplicate_uscc_answers_400_on_uscc_and_writes_nothing(world, client):
    client.force_login(world.province_user)
    before = row_counts()

    response = client.post(ORGANISATIONS_URL, _insurer_payload(uscc=world.ent_nb.uscc), content_type="application/json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["uscc"]
    assert row_counts() == before


@pytest.mark.django_db
def test_create_organisation_api_as_province_staff_creates_approved_organisation(world, client):
    client.force_login(world.province_user)
    payload = _insurer_payload()

    response = client.post(ORGANISATIONS_URL, payload, content_type="application/json")

    assert response.status_code == 201
    org = Organisation.objects.get(uscc=payload["uscc"])
    assert response.json()["id"] == org.pk
    assert org.kind == "insurer"
    assert org.status == Organisation.Status.APPROVED


@pytest.mark.django_db
def test_create_organisation_api_bureau_level_must_match_region_level(world, client):
    client.force_login(world.province_user)
    payload = _insurer_payload(kind="bureau", bureau_level="city", department="industry", region=f.region("330106").pk)
    before = row_counts()

    response = client.post(ORGANISATIONS_URL, payload, content_type="application/json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["region"]
    assert row_counts() == before


@pytest.mark.parametrize("who", ["hz_user", "finance_user", "binjiang_user", "ent_hz_user", "expert_user"])
@pytest.mark.django_db
def test_create_organisation_api_by_anyone_but_province_industry_staff_is_refused(world, client, who):
    client.force_login(getattr(world, who))
    before = row_counts()

    response = client.post(ORGANISATIONS_URL, _insurer_payload(), content_type="application/json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert row_counts() == before


@pytest.mark.django_db
def test_create_organisation_service_duplicate_uscc_raises_field_error(world):
    with pytest.raises(ValidationError) as exc:
        services.create_organisation(
            actor=world.province_user, kind="buyer", name="采购单位", uscc=world.hz.uscc, region=f.region("3301")
        )

    assert list(exc.value.message_dict) == ["uscc"]
