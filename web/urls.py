from django.contrib.sitemaps.views import index, sitemap
from django.urls import path

from . import feeds, views
from .sitemaps import SITEMAPS

app_name = "disclosure"

urlpatterns = [
    path("", views.home, name="home"),
    path("incidents/", views.incident_list, name="incident-list"),
    path("incidents/<slug:slug>/", views.incident_detail, name="incident-detail"),
    path("incidents/<slug:slug>/timeline.json", views.incident_timeline_json, name="incident-timeline"),
    path("incidents/<slug:slug>/bundle.json", views.incident_bundle, name="incident-bundle"),
    path("organisations/<slug:slug>/", views.organization_detail, name="organization-detail"),
    path("claims/", views.claim_list, name="claim-list"),
    path("compare/", views.compare, name="compare"),
    path("compare.csv", views.compare_csv, name="compare-csv"),
    path("downloads/figures.csv", views.download_figures_csv, name="download-figures-csv"),
    path("downloads/figures.json", views.download_figures_json, name="download-figures-json"),
    path("methodology/", views.methodology, name="methodology"),
    # Cached like every public page (the feeds were rebuilt on every request: issue 13's benchmark).
    path("feeds/incidents/", views.public_page(feeds.IncidentFeed()), name="feed-incidents"),
    path("feeds/responses/", views.public_page(feeds.ResponseFeed()), name="feed-responses"),
    # An index of sections, each paged at its sitemap's `limit`, so every public incident is listed
    # however many there are, and no one answer grows past a few hundred kilobytes.
    path(
        "sitemap.xml",
        views.public_page(index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "disclosure:sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        views.public_page(sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
]
