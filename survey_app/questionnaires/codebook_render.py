"""Writing a codebook as a standalone HTML page and as a JSON file."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from jinja2 import Environment

from survey_app.questionnaires.codebook import Codebook

# Autoescaped: wording and sources come from files that researchers edit.
_ENVIRONMENT = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)

_PAGE = """<!DOCTYPE html>
<html lang="{{ book.language }}">
<head>
<meta charset="utf-8">
<title>Codebook: {{ book.study_title }}, {{ book.wave_title }}</title>
<style>
body { font-family: sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
  line-height: 1.4; color: #111; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1.5rem; }
th, td { border: 1px solid #999; padding: 0.3rem 0.5rem; text-align: left;
  vertical-align: top; }
th { background: #eee; }
code { font-size: 0.95em; }
.source { font-size: 0.9em; color: #333; }
</style>
</head>
<body>
<h1>Codebook: {{ book.study_title }}, {{ book.wave_title }}</h1>
<p>Wave <code>{{ book.wave_key }}</code>, Year {{ book.year_group }},
questionnaire language <code>{{ book.language }}</code>.</p>

<h2>Missing-value codes</h2>
<table>
<tr><th>Code</th><th>Name</th><th>Used for</th><th>Meaning</th></tr>
{% for m in book.missing_codes %}
<tr><td>{{ m.code }}</td><td><code>{{ m.name }}</code></td><td>{{ m.applies_to }}</td>
<td>{{ m.meaning }}</td></tr>
{% endfor %}
</table>

{% for ins in book.instruments %}
<section id="{{ ins.id }}">
<h2>{{ ins.title }}</h2>
<p>Instrument <code>{{ ins.id }}</code> version {{ ins.version }}; scoring version
<code>{{ ins.scoring_version }}</code> (fingerprint
<code>{{ ins.scoring_fingerprint }}</code>).</p>
<p><strong>Citation:</strong> {{ ins.citation }}</p>
<p><strong>Copyright:</strong> {{ ins.copyright }}</p>
<p><strong>Licence:</strong> {{ ins.licence_terms }}</p>
{% if ins.wording_source %}
<p><strong>Wording from:</strong> {{ ins.wording_source }}</p>
{% endif %}
<p><strong>Scoring:</strong> {{ ins.scoring_source }}</p>
<p><strong>Question stem:</strong> {{ ins.stem }}</p>

<h3>Variables</h3>
<table>
<tr><th>Variable</th><th>No.</th><th>Wording</th><th>Options (code: label)</th>
<th>Scores using it</th></tr>
{% for v in ins.variables %}
<tr><td><code>{{ v.name }}</code></td><td>{{ v.number }}</td>
<td>{{ v.wording }}{% if v.note %}
<br><span class="source">{{ v.note }}</span>{% endif %}</td>
<td>{% for code, label in v.options %}{{ code }}: {{ label }}<br>{% endfor %}</td>
<td>{{ v.in_scores | join(", ") or "none" }}{% if v.reverse_coded %}
<br>reverse-coded when scored{% endif %}</td></tr>
{% endfor %}
</table>

<h3>Scores</h3>
{% for s in ins.scores %}
<h4><code>{{ s.name }}</code>: {{ s.label }}</h4>
<p>Range {{ s.min }} to {{ s.max }}. {{ s.computation }} {{ s.missing_rule }}</p>
{% if s.bands %}
<table>
<tr><th>From</th><th>To</th><th>Band</th></tr>
{% for low, high, label in s.bands %}
<tr><td>{{ low }}</td><td>{{ high }}</td><td>{{ label }}</td></tr>
{% endfor %}
</table>
{% endif %}
{% if s.table %}
<table>
<tr><th>Raw score</th><th>Converted score</th></tr>
{% for raw, value in s.table %}
<tr><td>{{ raw }}</td><td>{{ "%.2f" | format(value) }}</td></tr>
{% endfor %}
</table>
{% endif %}
{% for source in s.sources %}
<p class="source">Source: {{ source }}</p>
{% endfor %}
{% endfor %}
</section>
{% endfor %}
</body>
</html>
"""


def codebook_html(book: Codebook) -> str:
    """Return the codebook as one standalone HTML page (no external files)."""
    return _ENVIRONMENT.from_string(_PAGE).render(book=book)


def codebook_json(book: Codebook) -> str:
    """Return the codebook as JSON, for analysis software to read."""
    return json.dumps(asdict(book), indent=2, ensure_ascii=False) + "\n"


def write_codebook(book: Codebook, directory: Path) -> tuple[Path, Path]:
    """Write the HTML and JSON files into ``directory``; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"codebook-{book.study_id}-{book.wave_key.partition('/')[2]}"
    html_path = directory / f"{stem}.html"
    json_path = directory / f"{stem}.json"
    html_path.write_text(codebook_html(book), encoding="utf-8")
    json_path.write_text(codebook_json(book), encoding="utf-8")
    return html_path, json_path
