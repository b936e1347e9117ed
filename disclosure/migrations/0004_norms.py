"""The published norms of time-and-metrics.md §5, as data with their sources."""

from django.db import migrations

DAY = 86400

NORMS = [
    {
        "slug": "project-zero",
        "name": "Google Project Zero disclosure deadline",
        "metric": "notice_to_publication",
        "window_seconds": 90 * DAY,
        "window_text": "90 days from report (a 14-day grace period when a fix is due; 7 days for bugs exploited in the wild)",
        "source_title": "Project Zero: Vulnerability Disclosure Policy",
        "source_url": "https://googleprojectzero.blogspot.com/p/vulnerability-disclosure-policy.html",
    },
    {
        "slug": "cert-cc",
        "name": "CERT/CC disclosure policy",
        "metric": "notice_to_publication",
        "window_seconds": 45 * DAY,
        "window_text": "45 days from first contact",
        "source_title": "CERT/CC Vulnerability Disclosure Policy",
        "source_url": "https://certcc.github.io/certcc_disclosure_policy/",
    },
    {
        "slug": "zdi",
        "name": "Zero Day Initiative",
        "metric": "notice_to_publication",
        "window_seconds": 120 * DAY,
        "window_text": "120 days from report",
        "source_title": "Zero Day Initiative: Disclosure Policy",
        "source_url": "https://www.zerodayinitiative.com/advisories/disclosure_policy/",
    },
    {
        "slug": "gdpr-art-33",
        "name": "GDPR Art. 33, notice to the supervisory authority",
        "metric": "",
        "window_seconds": 72 * 3600,
        "window_text": "72 hours after becoming aware",
        "source_title": "Regulation (EU) 2016/679, Article 33",
        "source_url": "https://eur-lex.europa.eu/eli/reg/2016/679/oj",
        "notes": "Runs from the controller becoming aware to notifying the regulator, which no metric measures yet.",
    },
    {
        "slug": "sec-8k-1-05",
        "name": "US SEC Form 8-K Item 1.05",
        "metric": "",
        "window_seconds": 4 * DAY,
        "window_text": "4 business days after the incident is judged material",
        "source_title": "SEC Form 8-K, Item 1.05 (Material Cybersecurity Incidents)",
        "source_url": "https://www.sec.gov/files/form8-k.pdf",
        "notes": "Counted in business days; stored as 4 calendar days, the shortest it can be.",
    },
]


def forwards(apps, schema_editor):
    Norm = apps.get_model("disclosure", "Norm")
    for position, norm in enumerate(NORMS):
        Norm.objects.update_or_create(slug=norm["slug"], defaults={**norm, "position": position})


def backwards(apps, schema_editor):
    apps.get_model("disclosure", "Norm").objects.filter(slug__in=[n["slug"] for n in NORMS]).delete()


class Migration(migrations.Migration):
    dependencies = [("disclosure", "0003_metrics")]

    operations = [migrations.RunPython(forwards, backwards)]
