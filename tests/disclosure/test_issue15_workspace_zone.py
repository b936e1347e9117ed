"""The workspace's time field works on an incident whose time zone is unknown (issue 15): a date
typed there takes the incident's 'unknown' zone, and the preview says so instead of failing."""

from web.workspace.timefield import describe, recorded_time


def test_a_date_typed_for_an_unknown_zone_incident_is_accepted_and_described():
    value = recorded_time("17 May 2013", "", False, "", "", incident_timezone="unknown", blank_if_incident_zone=True)
    assert value == {"at": "2013-05-17", "precision": "day", "approximate": False, "margin": "", "timezone": ""}
    words = describe(value, "unknown")
    assert words["words"] == "between 10:00 on 16 May 2013 and 12:00 on 18 May 2013 (UTC, time zone unknown)"
    assert words["zone"].startswith("time zone unknown")


def test_an_explicit_offset_still_wins_over_the_unknown_zone():
    value = recorded_time(
        "17 May 2013", "9:21", False, "", "UTC-08:00", incident_timezone="unknown", blank_if_incident_zone=True
    )
    assert value["at"] == "2013-05-17T09:21-08:00"
    assert "explicit offset" in describe(value, "unknown")["zone"]
