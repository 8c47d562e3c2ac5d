"""axe-core's WCAG 2.1 A/AA rules run on a Playwright page (the script ships in axe-playwright-python)."""
from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_AXE = Axe()


def describe(violations: list[dict[str, Any]]) -> str:
    """Each violation's rule id and, per element, its target and contrast data (colours, ratio, size)."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            data = [check["data"] for check in node["any"] + node["all"] if isinstance(check.get("data"), dict)]
            contrast = [{key: d[key] for key in ("fgColor", "bgColor", "contrastRatio", "expectedContrastRatio",
                                                 "fontSize", "fontWeight") if key in d} for d in data]
            lines.append(f"  {node['target']} {contrast or ''}")
    return "\n".join(lines)


def assert_accessible(page: Any, where: str) -> None:
    """Fail, listing every violation, if axe-core finds any WCAG 2.1 A/AA problem on the page."""
    results = _AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA},
                                      "resultTypes": ["violations"]})
    violations = results.response["violations"]
    assert not violations, f"axe-core found WCAG 2.1 A/AA violations on {where}:\n{describe(violations)}"
