"""The metrics' choices (time-and-metrics.md §3-§6), importable without models."""

from django.db import models


class Metric(models.TextChoices):
    EXPOSURE_DURATION = "exposure_duration", "exposure duration"
    TIME_TO_DISCOVERY = "time_to_discovery", "time to discovery"
    DISCOVERY_TO_NOTICE = "discovery_to_notice", "discovery to notice"
    NOTICE_TO_PUBLICATION = "notice_to_publication", "notice to publication"
    NOTICE_TO_ACKNOWLEDGEMENT = "notice_to_acknowledgement", "notice to acknowledgement"
    PUBLICATION_TO_VENDOR_AWARENESS = "publication_to_vendor_awareness", "publication to vendor awareness"
    NOTICE_TO_REMEDIATION = "notice_to_remediation", "notice to remediation"
    PUBLICATION_TO_STATEMENT = "publication_to_statement", "publication to statement"
    AWARENESS_TO_USER_NOTIFICATION = "awareness_to_user_notification", "awareness to user notification"
    EXPOSURE_TO_PUBLICATION = "exposure_to_publication", "exposure to publication"
    AWARENESS_TO_REGULATOR_NOTIFICATION = "awareness_to_regulator_notification", "awareness to regulator notification"
    DISCOVERY_TO_USER_NOTIFICATION = "discovery_to_user_notification", "discovery to user notification"


class MetricView(models.TextChoices):
    PUBLIC = "public", "public (published events only)"
    STAFF = "staff", "staff (all events)"
