"""Menu areas whose features have not landed yet: an honest page, login required."""

from flask import Blueprint, render_template

bp = Blueprint("areas", __name__)

_AREAS = {
    "inbox": ("Inbox", "Mails of new jobs and mails no parser understood."),
    "run_checks": ("Run Checks", "Every run not yet reviewed, worst first."),
    "jobs": ("Jobs", "All backup jobs with their schedule and history."),
    "customers": ("Customers", "Customers and their Autotask companies."),
    "tickets": ("Tickets", "Autotask tickets made or linked, and remarks."),
    "reports": ("Reports", "Backup success over time and the PSA scorecard."),
}


def _page(area: str) -> str:
    title, text = _AREAS[area]
    return render_template("areas/pending.html", title=title, text=text)


for _name in _AREAS:
    bp.add_url_rule(f"/{_name.replace('_', '-')}", _name, lambda _n=_name: _page(_n))
