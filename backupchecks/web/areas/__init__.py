"""Menu areas whose features have not landed yet: an honest page, login required."""

from flask import Blueprint, render_template

bp = Blueprint("areas", __name__)

_AREAS = {
}


def _page(area: str) -> str:
    title, text = _AREAS[area]
    return render_template("areas/pending.html", title=title, text=text)


for _name in _AREAS:
    bp.add_url_rule(f"/{_name.replace('_', '-')}", _name, lambda _n=_name: _page(_n))
