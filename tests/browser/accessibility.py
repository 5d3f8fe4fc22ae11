"""axe-core in the browser: run it on a page, and describe what it finds."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

axe = Axe()


def describe(violations: list[dict]) -> str:
    """Return each violation's rule, impact and the nodes it was found on."""
    lines = []
    for violation in violations:
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            target = " ".join(map(str, node["target"]))
            lines.append(f"  at {target}: {node['html']}")
            summary = node.get("failureSummary") or ""
            lines.extend(f"    {line}" for line in summary.splitlines())
    return "\n".join(lines)


def accessibility_violations(page: Page) -> list[dict]:
    """Run axe-core on the page; return its violations."""
    results = axe.run(page).response
    # No passing rule either would mean axe looked at nothing (a blank page,
    # or a script blocked by the page's security policy), not a clean page.
    assert results["passes"], f"axe-core checked nothing on {page.url}"
    return results["violations"]
