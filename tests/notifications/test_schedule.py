from django.conf import settings

from config.celery import app


def test_beat_runs_the_outbox_sweep_and_the_task_is_registered():
    entry = settings.CELERY_BEAT_SCHEDULE["notifications-sweep"]
    app.loader.import_default_modules()

    assert entry["task"] == "notifications.tasks.sweep_deliveries"
    assert entry["schedule"] <= 60
    assert "notifications.tasks.sweep_deliveries" in app.tasks
    assert "notifications.tasks.deliver" in app.tasks
