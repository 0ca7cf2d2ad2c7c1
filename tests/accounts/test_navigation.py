"""The main menu: groups of links per role; a group with one link is that link; the public entries for all."""

import pytest

from accounts.navigation import menu_for

pytestmark = pytest.mark.django_db


def _links(menu):
    return {c["label"]: c["url"] for item in menu for c in item.get("children", [item])}


def test_anonymous_menu_has_the_public_pages_and_login():
    links = _links(menu_for(None))
    assert set(links) >= {"公示公告", "异议查询", "推广应用指导目录", "证书查验", "登录", "企业注册"}


def test_province_staff_reach_every_stage(world):
    links = _links(menu_for(world.province_user))
    for label in ("认定批次", "申报管理", "专家评审", "公示管理", "异议处理", "认定管理", "认定汇总", "专家库"):
        assert label in links, label
    assert "我的认定" not in links and "我的评审" not in links


def test_enterprise_and_expert_see_their_own_entries(world):
    enterprise = _links(menu_for(world.ent_hz_user))
    assert "我的认定" in enterprise and "公示管理" not in enterprise and "专家库" not in enterprise
    expert = _links(menu_for(world.expert_user))
    assert "我的评审" in expert and "申报管理" not in expert


def test_a_group_of_one_link_is_that_link(world):
    menu = menu_for(world.expert_user)
    assert all(len(item["children"]) > 1 for item in menu if "children" in item)
