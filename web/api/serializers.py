"""Serializers of the API parts that stay in web: what a bundle import answers.

The records' serializers live with their apps (disclosure/api/serializers.py,
claims/api/serializers.py); web/api/ imports them from there.
"""

from rest_framework import serializers


class ImportResultSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=["merge", "replace"], help_text="How the bundle was imported (the document's `mode`, else merge)."
    )
    incidents = serializers.IntegerField(help_text="Incidents in the bundle.")
    created = serializers.IntegerField(help_text="Records created.")
    updated = serializers.IntegerField(
        help_text="Records changed (including records the bundle does not list that moved to keep its order)."
    )
    unchanged = serializers.IntegerField(help_text="Records the bundle lists that already said what it says.")
    deleted = serializers.IntegerField(help_text="Records deleted (replace mode only; always 0 in a merge).")
    deletions = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        help_text=(
            'Every deleted record: {"kind": "event", "incident": "wyze-2019", "key": "draft-x"}. Kinds: participant, '
            "exposed_data, event, claim, response, correction, citation; a record's citations (and a claim's "
            "responses) go with it and are not listed again."
        ),
    )
