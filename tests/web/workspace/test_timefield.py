"""The recorded-time field: what people type becomes an honest recorded time, and its words."""

import pytest
from django import forms

from web.workspace.timefield import RecordedTimeField, describe, interval_words


class TimeForm(forms.Form):
    when = RecordedTimeField(incident_timezone="America/Los_Angeles", blank_if_incident_zone=True)


def clean(date, time="", about=False, margin="", zone="America/Los_Angeles"):
    data = {"when_date": date, "when_time": time, "when_margin": margin, "when_zone": zone}
    if about:
        data["when_about"] = "on"
    form = TimeForm(data)
    return form.is_valid(), (form.cleaned_data.get("when") if form.is_valid() else form.errors["when"])


@pytest.mark.parametrize(
    ("date", "time", "at", "precision"),
    [
        ("2019-12-26", "", "2019-12-26", "day"),
        ("26 Dec 2019", "", "2019-12-26", "day"),
        ("December 26, 2019", "", "2019-12-26", "day"),
        ("December 2019", "", "2019-12", "month"),
        ("2019", "", "2019", "year"),
        ("26 December 2019", "9:21", "2019-12-26T09:21", "minute"),
        ("26 December 2019", "09:21", "2019-12-26T09:21", "minute"),
        ("26 December 2019", "9:21 am", "2019-12-26T09:21", "minute"),
        ("26 December 2019", "9:21 p.m.", "2019-12-26T21:21", "minute"),
        ("26 December 2019", "10:00:05", "2019-12-26T10:00:05", "second"),
        ("26 December 2019", "9", "2019-12-26T09:00", "hour"),
        ("26 December 2019", "9 am", "2019-12-26T09:00", "hour"),
        ("26 December 2019", "12 am", "2019-12-26T00:00", "hour"),
        ("2019-12-26T09:21", "", "2019-12-26T09:21", "minute"),
    ],
)
def test_the_precision_is_what_was_typed(date, time, at, precision):
    ok, value = clean(date, time)
    assert ok, value
    assert (value["at"], value["precision"]) == (at, precision)
    assert value["timezone"] == ""  # the incident's own zone is stored blank: it follows the incident


def test_about_with_a_margin_and_another_zone():
    ok, value = clean("26 Dec 2019", "10:00", about=True, margin="PT30M", zone="Europe/Berlin")
    assert ok
    assert value == {
        "at": "2019-12-26T10:00",
        "precision": "minute",
        "approximate": True,
        "margin": "PT30M",
        "timezone": "Europe/Berlin",
    }


def test_an_offset_is_written_into_the_time():
    ok, value = clean("26 Dec 2019", "9:21", zone="UTC-08:00")
    assert ok and value["at"] == "2019-12-26T09:21-08:00" and value["timezone"] == ""


@pytest.mark.parametrize(
    ("date", "time", "about", "margin", "zone", "message"),
    [
        ("yesterday", "", False, "", "America/Los_Angeles", "Give a date like 26 December 2019 or 2019-12-26"),
        ("31 February 2019", "", False, "", "America/Los_Angeles", "There is no 31 February 2019"),
        ("26 Dec 2019", "25:00", False, "", "America/Los_Angeles", "Give a time like 9:21"),
        ("26 Dec 2019", "13 pm", False, "", "America/Los_Angeles", "With am or pm the hour is 1 to 12"),
        ("December 2019", "9:21", False, "", "America/Los_Angeles", "A time of day needs a full date"),
        ("26 Dec 2019", "", False, "PT30M", "America/Los_Angeles", "A margin needs 'about'"),
        ("26 Dec 2019", "", False, "", "Mars/Olympus", "is not a time zone we know"),
        ("0999", "", False, "", "America/Los_Angeles", "not a year the tracker can record"),
        ("", "", False, "", "America/Los_Angeles", "Give the date, even if only the year"),
    ],
)
def test_errors_are_in_plain_words(date, time, about, margin, zone, message):
    ok, errors = clean(date, time, about=about, margin=margin, zone=zone)
    assert not ok
    assert any(message in e for e in errors), errors


def test_optional_field_left_empty_is_none():
    field = RecordedTimeField(incident_timezone="UTC", required=False)
    assert field.clean(["", "", False, "", "UTC"]) is None


def test_the_zone_is_kept_for_a_source_by_default():
    field = RecordedTimeField(incident_timezone="Europe/Berlin")
    assert field.clean(["2019-12-26", "", False, "", ""])["timezone"] == "Europe/Berlin"


def test_the_words_of_the_specs_about_ten_am():
    value = {"at": "2019-12-26T10:00", "precision": "minute", "approximate": True, "margin": "PT30M", "timezone": ""}
    assert interval_words(value, "America/Los_Angeles") == (
        "between 09:30 and 10:31 on 26 December 2019 (America/Los_Angeles)"
    )
    words = describe(value, "America/Los_Angeles")
    assert words["zone"] == "America/Los_Angeles, UTC\N{MINUS SIGN}08:00 on that date"
    assert words["precision"] == "to the minute"


def test_words_for_days_months_years_and_the_dst_day():
    def words(at, precision, zone="America/Los_Angeles", approximate=False):
        return interval_words(
            {"at": at, "precision": precision, "approximate": approximate, "margin": "", "timezone": zone}
        )

    assert words("2019-12-26", "day") == "26 December 2019, all day (America/Los_Angeles)"
    assert words("2019-11-03", "day") == "3 November 2019, all day, 25 hours long (America/Los_Angeles)"
    assert words("2019-03-10", "day") == "10 March 2019, all day, 23 hours long (America/Los_Angeles)"
    assert words("2019-12", "month") == "December 2019, the whole month (America/Los_Angeles)"
    assert words("2019", "year") == "2019, the whole year (America/Los_Angeles)"
    assert words("2019-12-26", "day", approximate=True) == (
        "from 25 December 2019 to 27 December 2019, whole days (America/Los_Angeles)"
    )
    summer = describe(
        {"at": "2019-07-01", "precision": "day", "approximate": False, "margin": "", "timezone": ""},
        "America/Los_Angeles",
    )
    assert summer["zone"] == "America/Los_Angeles, UTC\N{MINUS SIGN}07:00 on that date"


def test_a_stored_time_is_shown_as_typed_and_cleans_back_to_itself():
    field = RecordedTimeField(incident_timezone="America/Los_Angeles", blank_if_incident_zone=True)
    for value in [
        {"at": "2019-12-26T09:00", "precision": "hour", "approximate": False, "margin": "", "timezone": ""},
        {"at": "2019-12-26T21:21", "precision": "minute", "approximate": True, "margin": "PT15M", "timezone": ""},
        {"at": "2019-12", "precision": "month", "approximate": False, "margin": "", "timezone": "Europe/Berlin"},
    ]:
        assert field.clean(field.widget.decompress(value)) == value


@pytest.mark.django_db
def test_the_preview_endpoint_answers_the_words(client, contributor):
    client.force_login(contributor)
    response = client.get(
        "/workspace/time-preview/",
        {
            "field": "when",
            "default_zone": "America/Los_Angeles",
            "when_date": "26 Dec 2019",
            "when_time": "10:00",
            "when_about": "on",
            "when_margin": "PT30M",
        },
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert "between 09:30 and 10:31 on 26 December 2019 (America/Los_Angeles)" in body
    bad = client.get("/workspace/time-preview/", {"when_date": "soon"}).content.decode()
    assert "Give a date like 26 December 2019 or 2019-12-26" in bad
