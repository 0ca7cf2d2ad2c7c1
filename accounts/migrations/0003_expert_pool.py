# Expert pool management: note, deactivation reason and time, last change; all additive.

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_load_regions'),
    ]

    operations = [
        migrations.AddField(
            model_name='expertprofile',
            name='note',
            field=models.TextField(blank=True, verbose_name='备注'),
        ),
        migrations.AddField(
            model_name='expertprofile',
            name='deactivated_reason',
            field=models.CharField(blank=True, max_length=500, verbose_name='停用理由'),
        ),
        migrations.AddField(
            model_name='expertprofile',
            name='deactivated_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='停用时间'),
        ),
        migrations.AddField(
            model_name='expertprofile',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now, verbose_name='更新时间'),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name='expertprofile',
            index=models.Index(fields=['active'], name='expertprofile_active'),
        ),
    ]
