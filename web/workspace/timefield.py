"""The recorded-time field of the workspace's forms (interface; records.py's owner builds it out).

`RecordedTimeField(incident_timezone="UTC", required=True)` is a form field whose cleaned
value is a recorded time in the bundle's shape: {"at", "precision", "approximate",
"margin", "timezone"} (bundle-v1.md), or None when left empty and not required.
"""

from django import forms


class RecordedTimeField(forms.CharField):
    def __init__(self, *args, incident_timezone="UTC", **kwargs):
        self.incident_timezone = incident_timezone
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        return {"at": value, "precision": "day", "approximate": False, "margin": "", "timezone": ""}
