"""The ten high-end equipment fields (domain.md §10), with stable codes."""

from django.utils.translation import gettext_lazy as _

INDUSTRY_FIELDS = [
    ("vehicles", _("节能与新能源汽车及先进交通装备")),
    ("ships", _("高端船舶装备")),
    ("pv_energy", _("光伏及新能源装备")),
    ("environment", _("高效节能环保装备")),
    ("textile", _("智能纺织印染装备")),
    ("logistics", _("现代物流装备")),
    ("agriculture", _("现代农业装备")),
    ("medical", _("现代医疗设备与器械")),
    ("robotics", _("机器人与智能制造装备")),
    ("components", _("关键基础件")),
]
FIELD_CODES = [code for code, _label in INDUSTRY_FIELDS]
