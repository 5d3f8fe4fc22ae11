"""Browsers keep the stylesheet and the icon, and never keep an old version."""

from __future__ import annotations

import re

from survey_app.static_files import A_YEAR, Fingerprints


def linked_files(html: str) -> list[str]:
    """Return the addresses of the static files a page links to."""
    return re.findall(r'href="(/static/[^"]+)"', html)


def test_a_page_links_its_stylesheet_and_icon_by_fingerprint(client):
    links = linked_files(client.get("/").get_data(as_text=True))
    assert [link.split("?")[0] for link in links] == [
        "/static/survey.css",
        "/static/favicon.ico",
    ]
    for link in links:
        assert re.search(r"\?v=[0-9a-f]{10}$", link), link
        reply = client.get(link)
        assert reply.status_code == 200
        assert reply.cache_control.max_age == A_YEAR
        assert reply.cache_control.immutable


def test_an_old_fingerprint_gets_todays_file_without_keeping_it(client):
    """A page from before an upgrade must not pin the old stylesheet for a year."""
    current = client.get("/static/survey.css").get_data()
    for address in ("/static/survey.css?v=0123456789", "/static/survey.css"):
        reply = client.get(address)
        assert reply.get_data() == current
        assert reply.cache_control.max_age is None
        assert reply.cache_control.no_cache


def test_a_missing_file_is_not_found(client):
    assert client.get("/static/missing.css?v=").status_code == 404


def test_new_content_gets_a_new_fingerprint(tmp_path):
    sheet = tmp_path / "survey.css"
    sheet.write_text("body { color: black; }")
    before = Fingerprints(tmp_path).of("survey.css")
    sheet.write_text("body { color: navy; }")
    after = Fingerprints(tmp_path).of("survey.css")
    assert re.fullmatch(r"[0-9a-f]{10}", before)
    assert after != before


def test_only_files_inside_the_static_folder_have_fingerprints(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (tmp_path / "secret.txt").write_text("not for the web")
    fingerprints = Fingerprints(static)
    assert fingerprints.of("../secret.txt") == ""
    assert fingerprints.of("missing.css") == ""
