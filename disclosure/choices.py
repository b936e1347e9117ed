"""Every choice of the core records, importable without models (and so by any layer)."""

from django.db import models


class Precision(models.TextChoices):
    SECOND = "second", "to the second"
    MINUTE = "minute", "to the minute"
    HOUR = "hour", "to the hour"
    DAY = "day", "to the day"
    MONTH = "month", "to the month"
    YEAR = "year", "to the year"


class OrganizationKind(models.TextChoices):
    VENDOR = "vendor", "vendor"
    RESEARCHER = "researcher", "researcher"
    MEDIA = "media", "media"
    PLATFORM = "platform", "platform"
    REGULATOR = "regulator", "regulator"
    OTHER = "other", "other"


class SourceKind(models.TextChoices):
    ARTICLE = "article", "article"
    BLOG_POST = "blog_post", "blog post"
    FORUM_POST = "forum_post", "forum post"
    SOCIAL_POST = "social_post", "social media post"
    ADVISORY = "advisory", "advisory"
    PRESS_RELEASE = "press_release", "press release"
    FILING = "filing", "filing"
    OTHER = "other", "other"


class IncidentStatus(models.TextChoices):
    DRAFT = "draft", "draft"
    REVIEW = "review", "in review"
    PUBLISHED = "published", "published"
    RETRACTED = "retracted", "retracted"


class ParticipantRole(models.TextChoices):
    DISCOVERER = "discoverer", "discoverer"
    VERIFIER = "verifier", "verifier"
    PUBLISHER = "publisher", "publisher"
    NOTIFIER = "notifier", "notifier"
    VENDOR = "vendor", "vendor"
    # An extortion group or a hacker who claims the breach; never a reporter of it.
    THREAT_ACTOR = "threat_actor", "threat actor"
    # A breach list (Have I Been Pwned) that lists the incident; never a reporter of it.
    AGGREGATOR = "aggregator", "breach list"
    OTHER = "other", "other"


class EventKind(models.TextChoices):
    EXPOSURE_STARTED = "exposure_started", "exposure started"
    DISCOVERED = "discovered", "discovered"
    VENDOR_NOTIFIED = "vendor_notified", "vendor notified"
    VENDOR_ACKNOWLEDGED = "vendor_acknowledged", "vendor acknowledged"
    PUBLISHED = "published", "published"
    VENDOR_AWARE = "vendor_aware", "vendor aware"
    REMEDIATED = "remediated", "remediated"
    VENDOR_STATEMENT = "vendor_statement", "vendor statement"
    USERS_NOTIFIED = "users_notified", "users notified"
    REGULATOR_NOTIFIED = "regulator_notified", "regulator notified"
    OTHER = "other", "other"


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", "draft"
    PUBLISHED = "published", "published"


class DurationKind(models.TextChoices):
    """What a reported duration measures (VERIS timeline.discovery, .containment, ...)."""

    DISCOVERY = "discovery", "discovery"
    CONTAINMENT = "containment", "containment"
    EXFILTRATION = "exfiltration", "exfiltration"
    COMPROMISE = "compromise", "compromise"


class DurationUnit(models.TextChoices):
    SECONDS = "seconds", "seconds"
    MINUTES = "minutes", "minutes"
    HOURS = "hours", "hours"
    DAYS = "days", "days"
    WEEKS = "weeks", "weeks"
    MONTHS = "months", "months"
    YEARS = "years", "years"
    UNKNOWN = "unknown", "unknown"


class OriginFlag(models.TextChoices):
    """What the dataset an incident was imported from says about its record (HIBP's Is* flags)."""

    UNVERIFIED = "unverified", "unverified"
    FABRICATED = "fabricated", "fabricated"
    SPAM_LIST = "spam_list", "spam list"
    SENSITIVE = "sensitive", "sensitive"
    RETIRED = "retired", "retired"
    MALWARE = "malware", "malware"
    STEALER_LOG = "stealer_log", "stealer log"
    SUBSCRIPTION_FREE = "subscription_free", "subscription free"
