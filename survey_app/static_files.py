"""Stylesheets, scripts and the icon: fetched once per browser, not once per page.

Every link to a static file carries a fingerprint of the file's content
(``/static/survey.css?v=3f2a9c01be``). A request with the current fingerprint
may be kept by the browser for a year, because new content gets a new address.
Without this, a browser asks again for the stylesheet (and for the icon) on
every page, which in a full computer room costs the server as many requests
again as the pages themselves.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

#: How long a browser may keep a file asked for with its current fingerprint.
A_YEAR = 365 * 24 * 60 * 60


def init_app(app: Flask) -> None:
    """Add fingerprints to links to static files, and let browsers keep them."""
    fingerprints = Fingerprints(Path(app.static_folder or "static"), app.debug)

    @app.url_defaults
    def _add_fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            values["v"] = fingerprints.of(values["filename"])

    # Wrapped here rather than checked after every request: only the static
    # view needs it, and the pages students submit should not pay for it.
    send_static_file = app.view_functions["static"]

    def serve_static_file(filename: str) -> Response:
        response: Response = send_static_file(filename=filename)
        if request.args.get("v") == fingerprints.of(filename):
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = A_YEAR
            response.cache_control.immutable = True
        return response

    app.view_functions["static"] = serve_static_file


class Fingerprints:
    """Short hashes of the static files' content, worked out once per file."""

    def __init__(self, folder: Path, recompute: bool = False) -> None:
        self.folder = folder
        # While developing, a file may change without the app restarting.
        self.recompute = recompute
        self._known: dict[str, str] = {}

    def of(self, filename: str) -> str:
        """Return the fingerprint of ``filename``, or "" if there is no such file."""
        known = self._known.get(filename)
        if known is not None and not self.recompute:
            return known
        path = (self.folder / filename).resolve()
        if not path.is_relative_to(self.folder.resolve()) or not path.is_file():
            return ""
        fingerprint = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
        self._known[filename] = fingerprint
        return fingerprint
