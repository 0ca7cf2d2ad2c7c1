"""Steps and arranged data shared by the application browser tests."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Region, User
from certification.catalogue import AttachmentType
from certification.models import Batch
from certification.services import applications as app_services
from certification.services import batches as batch_services

# The smallest file the attachment checks accept as a PDF (they read the bytes, not the extension).
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def required_types(batch, category="equipment"):
    rules = batch.attachment_requirements[category]
    return [t for t in AttachmentType.values if t in rules and rules[t].get("required")]


def open_batch(*, name, quota=5):
    """A published batch arranged through the services, as province staff would."""
    actor = User.objects.get(username="prov_staff")
    now = timezone.now()
    batch = batch_services.create_batch(
        actor=actor, year=now.year, name=name, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=10),
        recommend_deadline=now + timedelta(days=20),
        quotas={r.pk: quota for r in Region.objects.filter(level=Region.Level.CITY)},
    )
    return batch_services.publish_batch(actor=actor, batch_id=batch.pk)


def submitted_application(*, batch, username, product, model_spec):
    """A complete application of the user's enterprise, submitted with every required attachment."""
    actor = User.objects.get(username=username)
    enterprise = actor.memberships.get().organisation
    app = app_services.create_application(
        actor=actor, batch_id=batch.pk, enterprise_id=enterprise.pk, commitment=True,
        product_name=product, model_spec=model_spec, category="equipment", equipment_form="complete",
        declared_level="domestic", field="robotics", innovation_points="五轴联动，国内首创。",
        indicators=[{"indicator": "定位精度", "our_value": "0.003 mm", "domestic_best": "0.005 mm",
                     "foreign_best": "0.003 mm", "source": "检测报告"}],
        ip_items=[{"kind": "发明专利", "number": "ZL202310000001.X", "title": "一种车铣复合加工方法"}],
        first_sale_contract="HT-2026-001", first_sale_date=date(2026, 3, 1), first_sale_price=Decimal("1280000.00"),
        first_sale_buyer="浙江某汽车零部件有限公司",
    )
    from certification.services.attachments import upload_attachment

    for t in required_types(batch):
        upload_attachment(actor=actor, application_id=app.pk, type=t,
                          uploaded_file=SimpleUploadedFile(f"{t}.pdf", PDF, content_type="application/pdf"))
    return app_services.submit(actor=actor, application_id=app.pk)


def decide(*, username, application, action, opinion="", items=None):
    return app_services.decide(actor=User.objects.get(username=username), application_id=application.pk,
                               action=action, opinion=opinion, items=items)


def batch_exists(name):
    return Batch.objects.filter(name=name).exists()
