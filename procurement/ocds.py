"""政府首购 as Open Contracting Data Standard 1.1 (domain.md §8; schema and codelists in ../shared/data/ocds-1.1.5).

One contracting process per purchase: ocid = f"{settings.OCDS_OCID_PREFIX}-{purchase.number}". `release(purchase)`
gives one release describing the purchase as it stands now (a new release id whenever something published
changes); `release_package` wraps releases in a release package; `stream_package` writes the package of a whole
queryset as JSON text chunk by chunk, reading the rows in chunks (constant memory, see bench/ocds_export.py).

Mapping (our field → OCDS path):

    Purchase.number                     ocid (prefix + number), tender.id, award/… ids, release id (+ last change)
    last change (purchase, notice,      date; id = f"{number}-{last change in UTC, %Y%m%dT%H%M%S%f}"
      justifications, contract)
    state                               tag (releaseTag), tender.status (tenderStatus), awards[0].status,
                                        contracts[0].status
    buyer (Organisation)                parties[] roles buyer + procuringEntity; buyer; tender.procuringEntity
    supplier (the recognised            parties[] roles tenderer (+ supplier once awarded); tender.tenderers
      enterprise)                         (single source); awards[0].suppliers
    Organisation.uscc / name            party id "CN-USCC-<uscc>", identifier {scheme CN-USCC, id, legalName}
    Organisation.region                 address.region (province), address.locality (city + county), 中国
    Organisation.contact_*              contactPoint of the buyer (a public body; the enterprise's is not published)
    title / description                 tender.title / tender.description, planning.budget.project
    budget                              planning.budget.amount, tender.value (CNY)
    method (+ method_details)           tender.procurementMethod: single_source → direct "单一来源采购",
                                        open_tender → open "公开招标", other → limited + method_details
    notice reason, justification,       tender.procurementMethodRationale (experts with employers and titles)
      experts
    notice starts_at / ends_at          tender.tenderPeriod
    public page /procurement/public/<pk>/  tender.documents[] tenderNotice (published notice), awards[0].documents[]
                                        awardNotice (awarded)
    justifications (补充论证)            tender.documents[] documentType "complaints" (answers to objections)
    cancel_reason                       tender.documents[] documentType "cancellationDetails"
    recognition certificate_number,     tender/awards/contracts items[0]: id, description (product + model),
      product_name, model_spec,           quantity, unit.name
      quantity, unit
    awarded_on / award_amount           awards[0].date / awards[0].value
    Contract number / amount /          contracts[0].id / value / dateSigned
      signed_on
    delivered_on / accepted_on          contracts[0].implementation.milestones: delivery (type delivery) and
                                        acceptance 验收 (type approval), status met, dateMet

Objectors' identities, objections and the private documents are never exported. Dates (DateField) become the
start of that day in Asia/Shanghai. Amounts are JSON numbers. Empty values are left out (no nulls, no "").
"""

import datetime as dt
import json
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Max, Prefetch
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from .models import Justification, NoticeExpert, Purchase

S = Purchase.State
M = Purchase.Method

OCDS_VERSION = "1.1"
CURRENCY = "CNY"
LANGUAGE = "zh"
COUNTRY = "中国"
IDENTIFIER_SCHEME = "CN-USCC"
PACKAGE_PATH = "/api/v1/procurement/ocds/"
PUBLIC_PAGE = "/procurement/public/{pk}/"  # the literal route of "public_purchase_detail" (procurement/urls_public.py)

# method → (procurementMethod from the closed method.csv, procurementMethodDetails)
METHODS = {
    M.SINGLE_SOURCE: ("direct", "单一来源采购"),
    M.OPEN_TENDER: ("open", "公开招标"),
    M.OTHER: ("limited", None),  # details: the purchase's method_details
}
TENDER_STATUS = {
    S.DRAFT: "planning",
    S.NOTICE: "active",
    S.PENDING_AWARD: "active",
    S.AWARDED: "complete",
    S.CONTRACTED: "complete",
    S.COMPLETED: "complete",
    S.CANCELLED: "cancelled",
}
AWARDED = (S.AWARDED, S.CONTRACTED, S.COMPLETED)
SIGNED = (S.CONTRACTED, S.COMPLETED)
JSON = dict(ensure_ascii=False, separators=(",", ":"))


def ocid(purchase):
    return f"{settings.OCDS_OCID_PREFIX}-{purchase.number}"


def party_id(organisation):
    return f"{IDENTIFIER_SCHEME}-{organisation.uscc}"


# The columns a release reads (ocds_queryset loads only these: less to fetch and to build per row).
PURCHASE_FIELDS = (
    "number",
    "buyer",
    "recognition",
    "supplier",
    "title",
    "description",
    "method",
    "method_details",
    "quantity",
    "unit",
    "budget",
    "state",
    "awarded_on",
    "award_amount",
    "cancel_reason",
    "updated_at",
)
ORGANISATION_FIELDS = ("name", "uscc", "region", "contact_name", "contact_phone", "contact_email")
RECOGNITION_FIELDS = ("certificate_number", "product_name", "model_spec")
NOTICE_FIELDS = ("purchase", "reason", "justification", "starts_at", "ends_at", "published_at", "closed_at")
CONTRACT_FIELDS = ("purchase", "number", "amount", "signed_on", "delivered_on", "accepted_on", "updated_at")


def ocds_queryset(queryset):
    """The rows a release reads, in a fixed order: one query per chunk for purchases with buyer, supplier,
    recognition, notice and contract, and one each for the chunk's experts and justifications (prefetches that
    work with .iterator(chunk_size=…)). Regions come from one small query per export (_Context)."""
    return (
        queryset.select_related("buyer", "supplier", "recognition", "notice", "contract")
        .only(
            *PURCHASE_FIELDS,
            *(f"{rel}__{f}" for rel in ("buyer", "supplier") for f in ORGANISATION_FIELDS),
            *(f"recognition__{f}" for f in RECOGNITION_FIELDS),
            *(f"notice__{f}" for f in NOTICE_FIELDS),
            *(f"contract__{f}" for f in CONTRACT_FIELDS),
        )
        .prefetch_related(
            Prefetch(
                "notice__experts",
                queryset=NoticeExpert.objects.order_by("position", "id").only("notice_id", "name", "employer", "title"),
                to_attr="ocds_experts",
            ),
            Prefetch(
                "notice__justifications",
                queryset=Justification.objects.order_by("created_at", "id").only(
                    "notice_id", "text", "experts", "created_at"
                ),
                to_attr="ocds_justifications",
            ),
        )
        .order_by("pk")
    )


class _Context:
    """What every release of one export shares: the site's address, the public page's path, region names."""

    def __init__(self):
        self.site = settings.SITE_URL.rstrip("/")
        self._regions = None
        try:
            marker = 987654321
            self.page_path = reverse("public_purchase_detail", kwargs={"pk": marker}).replace(str(marker), "{pk}")
        except NoReverseMatch:
            self.page_path = PUBLIC_PAGE

    def page_url(self, purchase):
        return self.site + self.page_path.format(pk=purchase.pk)

    def address(self, region_id):
        """{region: province, locality: city + county, countryName: 中国} from the region table (read once)."""
        if self._regions is None:
            from accounts.models import Region

            self._regions = {r[0]: r[1:] for r in Region.objects.values_list("id", "name", "level", "parent_id")}
        names = {}
        current = self._regions.get(region_id)
        while current is not None:
            name, level, parent_id = current
            names[level] = name
            current = self._regions.get(parent_id)
        locality = "".join(names[level] for level in ("city", "county") if names.get(level))
        return _c({"region": names.get("province"), "locality": locality, "countryName": COUNTRY})


# --- values -------------------------------------------------------------------------------------------------


def _amount(value):
    """A Decimal as a JSON number: an int when whole, else a float (exact for ≤ 15 significant digits)."""
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def _value(amount):
    return {"amount": _amount(amount), "currency": CURRENCY} if amount is not None else None


def _datetime(value):
    """An aware datetime in the site's time zone (settings.TIME_ZONE, whatever the active one), to the second."""
    return value.astimezone(timezone.get_default_timezone()).isoformat(timespec="seconds") if value else None


def _day(value):
    """A date as the start of that day in the site's time zone (OCDS dates are date-times)."""
    if not value:
        return None
    return dt.datetime.combine(value, dt.time.min, tzinfo=timezone.get_default_timezone()).isoformat()


def _c(obj):
    """The object without its None, "", {} and [] members (OCDS: omit a field rather than send it empty or null).
    Shallow: every object is compacted where it is built, inner ones first."""
    return {k: v for k, v in obj.items() if v or (v is not None and type(v) in (int, float, bool))}


def _one(obj, name):
    """A reverse one-to-one (notice, contract) or None."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def _experts(notice):
    # Prefetched as plain lists by ocds_queryset (no queryset per release); else read now.
    found = getattr(notice, "ocds_experts", None)
    return found if found is not None else list(notice.experts.order_by("position", "id"))


def _justifications(notice):
    found = getattr(notice, "ocds_justifications", None)
    return found if found is not None else list(notice.justifications.order_by("created_at", "id"))


def _published_notice(purchase):
    notice = _one(purchase, "notice")
    return notice if notice is not None and notice.published_at else None


def last_change(purchase):
    """When anything the release shows last changed: the purchase, its published notice (publication, closing,
    supplementary justifications) or its contract (delivery, acceptance)."""
    moments = [purchase.updated_at]
    notice = _published_notice(purchase)
    if notice is not None:
        moments += [notice.published_at, notice.closed_at]
        moments += [j.created_at for j in _justifications(notice)]
    contract = _one(purchase, "contract")
    if contract is not None:
        moments.append(contract.updated_at)
    return max(m for m in moments if m)


def packages_last_change(queryset):
    """The latest last_change over a queryset (one aggregate query), or None when it is empty."""
    row = queryset.order_by().aggregate(
        purchase=Max("updated_at"),
        published=Max("notice__published_at"),
        closed=Max("notice__closed_at"),
        justified=Max("notice__justifications__created_at"),
        contract=Max("contract__updated_at"),
    )
    moments = [m for m in row.values() if m]
    return max(moments) if moments else None


# --- the release ----------------------------------------------------------------------------------------------


def _tags(purchase, notice):
    state = purchase.state
    if state == S.DRAFT:
        return ["planning"]
    if state == S.CANCELLED:
        return ["tender", "tenderCancellation"] if notice is not None else ["tenderCancellation"]
    tags = ["tender"]
    if state in AWARDED:
        tags.append("award")
    if state in SIGNED:
        tags.append("contract")
        contract = _one(purchase, "contract")
        if contract is not None and (contract.delivered_on or contract.accepted_on):
            tags.append("implementation")
    return tags


def _party(organisation, roles, ctx, *, contact=False):
    party = {
        "id": party_id(organisation),
        "name": organisation.name,
        "identifier": {"scheme": IDENTIFIER_SCHEME, "id": organisation.uscc, "legalName": organisation.name},
        "address": ctx.address(organisation.region_id),
        "roles": roles,
    }
    if contact:
        party["contactPoint"] = _c(
            {
                "name": organisation.contact_name,
                "telephone": organisation.contact_phone,
                "email": organisation.contact_email,
            }
        )
    return _c(party)


def _reference(organisation):
    return {"id": party_id(organisation), "name": organisation.name}


def _items(purchase):
    rec = purchase.recognition
    return [
        _c(
            {
                "id": rec.certificate_number,
                "description": f"{rec.product_name} {rec.model_spec}".strip(),
                "quantity": purchase.quantity,
                "unit": _c({"name": purchase.unit}),
            }
        )
    ]


def _rationale(notice):
    if notice is None:
        return None
    experts = "；".join(f"{e.name}（{e.employer}，{e.title}）" for e in _experts(notice))
    parts = [f"采用单一来源方式的理由：{notice.reason}", f"专业人员论证意见：{notice.justification}"]
    if experts:
        parts.append(f"论证专家：{experts}")
    return "\n".join(parts)


def _tender_documents(purchase, notice, ctx):
    documents = []
    if notice is not None:
        documents.append(
            _c(
                {
                    "id": "tender-notice",
                    "documentType": "tenderNotice",
                    "title": "单一来源采购公示",
                    "url": ctx.page_url(purchase),
                    "datePublished": _datetime(notice.published_at),
                    "format": "text/html",
                    "language": LANGUAGE,
                }
            )
        )
        for j in _justifications(notice):
            text = j.text + (f"\n参与补充论证的专业人员：{j.experts}" if j.experts else "")
            documents.append(
                _c(
                    {
                        "id": f"justification-{j.pk}",
                        "documentType": "complaints",
                        "title": "补充论证意见（答复异议）",
                        "description": text,
                        "url": ctx.page_url(purchase),
                        "datePublished": _datetime(j.created_at),
                        "format": "text/html",
                        "language": LANGUAGE,
                    }
                )
            )
    if purchase.state == S.CANCELLED and purchase.cancel_reason:
        documents.append(
            {
                "id": "cancellation",
                "documentType": "cancellationDetails",
                "title": "终止理由",
                "description": purchase.cancel_reason,
                "language": LANGUAGE,
            }
        )  # reason non-empty
    return documents


def _tender(purchase, notice, ctx, items):
    method, details = METHODS[purchase.method]
    if purchase.method == M.OTHER:
        details = purchase.method_details or purchase.get_method_display()
    tender = {
        "id": purchase.number,
        "title": purchase.title,
        "description": purchase.description,
        "status": TENDER_STATUS[purchase.state],
        "procuringEntity": _reference(purchase.buyer),
        "items": items,
        "value": _value(purchase.budget),
        "procurementMethod": method,
        "procurementMethodDetails": details,
        "procurementMethodRationale": _rationale(notice),
        "mainProcurementCategory": "goods",
    }
    if notice is not None:
        tender["tenderPeriod"] = _c({"startDate": _datetime(notice.starts_at), "endDate": _datetime(notice.ends_at)})
    if purchase.method == M.SINGLE_SOURCE and purchase.state != S.DRAFT:
        # The one proposed supplier named in the notice.
        tender["tenderers"] = [_reference(purchase.supplier)]
        tender["numberOfTenderers"] = 1
    tender["documents"] = _tender_documents(purchase, notice, ctx)
    return _c(tender)


def _award(purchase, ctx, items):
    return _c(
        {
            "id": f"{purchase.number}-award",
            "title": "成交结果",
            "status": "active",
            "date": _day(purchase.awarded_on),
            "value": _value(purchase.award_amount),
            "suppliers": [_reference(purchase.supplier)],
            "items": items,
            "documents": [
                {
                    "id": "award-notice",
                    "documentType": "awardNotice",
                    "title": "成交结果",
                    "url": ctx.page_url(purchase),
                    "format": "text/html",
                    "language": LANGUAGE,
                }
            ],
        }
    )


def _contract(purchase, contract, items):
    milestones = []
    if contract.delivered_on:
        milestones.append(
            {
                "id": "delivery",
                "title": "交付",
                "type": "delivery",
                "status": "met",
                "dateMet": _day(contract.delivered_on),
            }
        )
    if contract.accepted_on:
        milestones.append(
            {
                "id": "acceptance",
                "title": "验收",
                "type": "approval",
                "status": "met",
                "dateMet": _day(contract.accepted_on),
            }
        )
    return _c(
        {
            "id": contract.number,
            "awardID": f"{purchase.number}-award",
            "title": "采购合同",
            # Accepted (验收): the contract has come to its close by completion.
            "status": "terminated" if purchase.state == S.COMPLETED else "active",
            "dateSigned": _day(contract.signed_on),
            "value": _value(contract.amount),
            "items": items,
            "implementation": _c({"milestones": milestones}),
        }
    )


def release(purchase, *, context=None):
    """One OCDS release describing the purchase as it stands now (see the module docstring for the mapping)."""
    ctx = context or _Context()
    notice = _published_notice(purchase)
    changed = last_change(purchase)
    awarded = purchase.state in AWARDED
    items = _items(purchase)  # the same goods in tender, award and contract
    supplier_roles = ["tenderer", "supplier"] if awarded else ["tenderer"]
    data = {
        "ocid": ocid(purchase),
        "id": f"{purchase.number}-{changed.astimezone(dt.UTC):%Y%m%dT%H%M%S%f}",
        "date": _datetime(changed),
        "tag": _tags(purchase, notice),
        "initiationType": "tender",
        "language": LANGUAGE,
        "parties": [
            _party(purchase.buyer, ["buyer", "procuringEntity"], ctx, contact=True),
            _party(purchase.supplier, supplier_roles, ctx),
        ],
        "buyer": _reference(purchase.buyer),
        "planning": {"budget": _c({"project": purchase.title, "amount": _value(purchase.budget)})},
        "tender": _tender(purchase, notice, ctx, items),
    }
    if awarded:
        data["awards"] = [_award(purchase, ctx, items)]
        contract = _one(purchase, "contract")
        if purchase.state in SIGNED and contract is not None:
            data["contracts"] = [_contract(purchase, contract, items)]
    return _c(data)


# --- packages -------------------------------------------------------------------------------------------------


def package_uri(purchase=None):
    """The package's identifying URI: the API address of one record's package, or of the whole export."""
    site = settings.SITE_URL.rstrip("/")
    if purchase is None:
        return site + PACKAGE_PATH
    return f"{site}/api/v1/procurement/purchases/{purchase.pk}/ocds/"


def _package_head(*, uri, published_date):
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": _datetime(published_date or timezone.now()),
        "publisher": {"name": settings.OCDS_PUBLISHER_NAME},
    }


def release_package(purchases, *, uri=None, published_date=None):
    """A release package (dict) of the given purchases — typically one record. publishedDate: the latest change
    of its releases (OCDS: for packages generated on demand), unless given."""
    purchases = list(purchases)
    ctx = _Context()
    releases = [release(p, context=ctx) for p in purchases]
    if published_date is None and purchases:
        published_date = max(last_change(p) for p in purchases)
    if uri is None:
        uri = package_uri(purchases[0] if len(purchases) == 1 else None)
    return {**_package_head(uri=uri, published_date=published_date), "releases": releases}


class PackageStream:
    """An iterator of str chunks that together are one release package (JSON) of every purchase in the queryset.

    Rows are read with .iterator(chunk_size) (a server-side cursor on PostgreSQL) and prefetches per chunk, and
    each release is encoded as soon as it is built, so memory does not grow with the number of purchases. The
    chunks are about `buffer_size` characters. `count` is the number of releases written so far. An empty
    queryset gives `"releases":[]`, which the schema refuses (minItems 1): callers check `exists()` first.
    """

    def __init__(self, queryset, *, uri, published_date=None, chunk_size=500, buffer_size=64 * 1024):
        self.queryset = ocds_queryset(queryset)
        self.uri = uri
        self.published_date = published_date
        self.chunk_size = chunk_size
        self.buffer_size = buffer_size
        self.count = 0
        self._chunks = self._generate()

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._chunks)

    def _generate(self):
        published = self.published_date or packages_last_change(self.queryset)
        head = json.dumps(_package_head(uri=self.uri, published_date=published), **JSON)
        buffer = [head[:-1], ',"releases":[']
        size = 0
        ctx = _Context()
        for purchase in self.queryset.iterator(chunk_size=self.chunk_size):
            text = json.dumps(release(purchase, context=ctx), **JSON)
            buffer.append("," + text if self.count else text)
            self.count += 1
            size += len(text)
            if size >= self.buffer_size:
                yield "".join(buffer)
                buffer, size = [], 0
        buffer.append("]}")
        yield "".join(buffer)


def stream_package(queryset, *, uri, published_date=None, chunk_size=500):
    """The release package of every purchase in the queryset as an iterator of str chunks (see PackageStream)."""
    return PackageStream(queryset, uri=uri, published_date=published_date, chunk_size=chunk_size)
