"""The accessibility declaration page of each language (``site/<lang>/accessibility.html``).

Its structure is the Polish minister's template for the declaration that the Act of 4 April 2019 requires of
public bodies: introduction (who, which website), dates of publication and last update, compliance status with
the non-compliances, preparation (date, method, how the site is tested), keyboard shortcuts, contact, the
request and complaint procedure, architectural accessibility. The elements carry the template's ``a11y-*`` ids,
which the national monitoring reads. Facts come from ``params/accessibility.yml`` and ``params/city.yml``; what
the city has not filled in is said to be missing, and ``publication_problems`` lists it (a render of real data
fails on it, see ``citybank.render``).
"""

from __future__ import annotations

import datetime as dt
import html

from ..params.accessibility import Accessibility, accessibility
from .book import Block, BookInputs, Page
from .strings import t

PAGE_ID = "accessibility"


def _p(text: str, id_: str = "") -> str:
    return f"<p{f' id={chr(34)}{id_}{chr(34)}' if id_ else ''}>{html.escape(text)}</p>"


def _date(value: dt.date | None, lang: str, id_: str) -> str:
    if value is None:
        return f'<span id="{id_}">{html.escape(t("a11y.missing", lang))}</span>'
    return f'<span id="{id_}"><time datetime="{value.isoformat()}">{value.isoformat()}</time></span>'


def declaration_html(decl: Accessibility, lang: str, city: str, site_title: str, url: str) -> str:
    """The declaration's body (after the page's ``<h1>``), every text escaped."""
    publisher = t("a11y.publisher", lang, city=city)
    missing = t("a11y.missing", lang)
    intro = t("a11y.intro", lang, publisher="\0P", site="\0S", url="\0U")
    intro = (
        html.escape(intro)
        .replace("\0P", f'<span id="a11y-podmiot">{html.escape(publisher)}</span>')
        .replace("\0S", html.escape(site_title))
        .replace("\0U", f'<a id="a11y-url" href="{html.escape(url)}">{html.escape(url)}</a>')
    )
    out = [f'<p id="a11y-wstep">{intro}</p>', f"<h2>{html.escape(t('a11y.dates', lang))}</h2>"]
    for key, value, id_ in (
        ("published", decl.published, "a11y-data-publikacja"),
        ("updated", decl.updated or decl.published, "a11y-data-aktualizacja"),
    ):
        text = html.escape(t(f"a11y.{key}", lang, date="\0D")).replace("\0D", _date(value, lang, id_))
        out.append(f"<p>{text}</p>")
    out.append(f'<h2 id="a11y-status">{html.escape(t("a11y.status_heading", lang))}</h2>')
    out.append(_p(t(f"a11y.status_{decl.status}", lang)))
    if decl.non_compliances:
        out.append("<ul>" + "".join(f"<li>{html.escape(n.get(lang))}</li>" for n in decl.non_compliances) + "</ul>")
    out.append(f"<h2>{html.escape(t('a11y.preparation', lang))}</h2>")
    text = html.escape(t("a11y.prepared", lang, date="\0D")).replace(
        "\0D", _date(decl.prepared, lang, "a11y-data-sporzadzenie")
    )
    out.append(f"<p>{text}</p>")
    if decl.reviewed is not None:
        text = html.escape(t("a11y.reviewed", lang, date="\0D")).replace(
            "\0D", _date(decl.reviewed, lang, "a11y-data-przeglad")
        )
        out.append(f"<p>{text}</p>")
    out.append(_p(t(f"a11y.method_{decl.method}", lang), "a11y-ocena"))
    out.append(_p(t("a11y.tests", lang)))
    out.append(f"<h2>{html.escape(t('a11y.keyboard_heading', lang))}</h2>")
    out.append(_p(t("a11y.keyboard", lang), "a11y-skroty"))
    out.append(f'<h2 id="a11y-kontakt">{html.escape(t("a11y.contact_heading", lang))}</h2>')
    out.append(_p(t("a11y.contact_intro", lang)))
    c = decl.contact
    items = []
    for key, value, id_ in (
        ("name", c.name, "a11y-osoba"),
        ("email", c.email, "a11y-email"),
        ("phone", c.phone, "a11y-telefon"),
    ):
        shown = html.escape(value or missing)
        if key == "email" and value:
            shown = f'<a href="mailto:{html.escape(value)}">{shown}</a>'
        elif key == "phone" and value:
            shown = f'<a href="tel:{html.escape(value.replace(" ", ""))}">{shown}</a>'
        label = html.escape(t(f"a11y.contact_{key}", lang, value="\0V")).replace(
            "\0V", f'<span id="{id_}">{shown}</span>'
        )
        items.append(f"<li>{label}</li>")
    out.append("<ul>" + "".join(items) + "</ul>")
    out.append(f"<h2>{html.escape(t('a11y.procedure_heading', lang))}</h2>")
    out.append(_p(t("a11y.procedure", lang), "a11y-procedura"))
    out.append(f"<h2>{html.escape(t('a11y.architectural_heading', lang))}</h2>")
    out.append(_p(decl.architectural.get(lang) if decl.architectural else missing, "a11y-architektura"))
    return "\n".join(out)


def declaration_page(inp: BookInputs, lang: str, site_title: str) -> Page | None:
    """The declaration page of ``lang``; None when params/accessibility.yml is absent."""
    decl = accessibility(inp.registry) if inp.registry is not None else None
    if decl is None:
        return None
    reg = inp.registry
    url = reg.city.portal if reg is not None and getattr(reg.city, "portal", None) else ""
    body = declaration_html(decl, lang, inp.city, site_title, url)
    return Page(PAGE_ID, t("a11y.title", lang), "accessibility", blocks=[Block("html", body)])


def publication_problems(inp: BookInputs) -> list[str]:
    """What a published (non-sample) site's declaration still lacks, one line per key; [] when complete or when
    params/accessibility.yml is absent (then no page is written, and the footer has no link)."""
    decl = accessibility(inp.registry) if inp.registry is not None else None
    if decl is None:
        return []
    return [
        f"accessibility declaration: params/accessibility.yml has no {k}; the law requires it on a published site"
        for k in decl.missing_for_publication()
    ]
