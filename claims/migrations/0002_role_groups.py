"""Create the three role groups of DESIGN.md. Their rights live in claims/roles.py,
not in Django model permissions, so the groups carry no permissions here."""

from django.db import migrations

ROLE_NAMES = ["Researcher", "Reviewer", "Editor"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_NAMES:
        Group.objects.get_or_create(name=name)


def remove_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=ROLE_NAMES, user__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
