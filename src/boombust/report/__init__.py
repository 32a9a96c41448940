"""HTML reports (offline: Jinja2 + inline matplotlib SVG, no external assets)."""

from boombust.report.stress import render_stress_report, write_stress_report

__all__ = ["render_stress_report", "write_stress_report"]
