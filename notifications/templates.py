"""Rendering notices from sandboxed Jinja templates, most specific first.

Templates live under ``notifications/templates/<audience>/``. For an audience,
channel and jurisdiction (``US-CA``) the first of these *variants* that has a
text part wins::

    {audience}/{jurisdiction}.{channel}.txt     e.g. individual/US-CA.email.txt
    {audience}/{country}.{channel}.txt          e.g. individual/US.email.txt
    {audience}/default.{channel}.txt

(``{audience}/{jurisdiction}.{channel}.{language}.txt`` and so on for a letter in another language, e.g.
``individual/US.postal.es.txt``: Spanish first, then the English notice in full), and the rest of the notice comes from the same variant, never mixed with
another: ``.subject.txt`` (optional, one line) and ``.html`` (optional, email).
Files whose names start with ``_`` are partials for ``{% include %}``.

The environment is a ``SandboxedEnvironment`` (templates cannot reach Python
internals), autoescapes ``.html`` templates, and uses ``StrictUndefined`` so a
missing required key fails the render instead of printing an empty string.

``template_version`` is the first 12 hex digits of a sha256 over the names and
sources of every template used, includes too; ``content_hash`` is a sha256 over
that version and the canonical JSON of the context. Together they address the
notice's content: store them when a notice is approved and render again at send
time, and a changed template or context shows up as a different hash.

Context keys (required unless marked optional):

- ``entity_name`` (str): the notifying business or organisation.
- ``entity_contact`` (str): how to reach it (toll-free number, address, website).
- ``incident_title`` (str), ``incident_summary`` (str): what happened, in plain language.
- ``discovered_at`` (str): date of discovery.
- ``breach_period`` (str | None, optional): date, estimated date or range of the breach.
- ``data_elements`` (list[str]): human descriptions of the information involved.
- ``measures_taken`` (list[str]): what the entity has done and is doing.
- ``steps_for_individuals`` (list[str]): what recipients can do to protect themselves.
- ``law_enforcement_delayed`` (bool, optional): notice was delayed by a law-enforcement investigation.
- ``recipient_name`` (str | None, optional): the person's or office's name.
- ``recipient_office`` (str, optional): the office addressed (regulators, agencies).
- ``regime_citation`` (str, optional): the law the notice is given under.
- ``residents_count`` (int | None, optional): number of residents affected.
- ``jurisdiction`` (str), ``jurisdiction_name`` (str, optional): e.g. ``US-CA``, "California".
- ``notice_date`` (str): date of the notice.
- ``credit_monitoring_offer`` (str | None, optional): the free service offered and how to enrol.
- ``cra_contacts`` (list of {name, phone, url}, optional): consumer reporting agencies.
- ``state_agencies`` (list of {name, phone?, address?, url?}, optional): the state agencies a state's law asks
  the letter to name (guidance.yaml ``states``); ``state_statements`` (list[str], optional): sentences it asks for.
- ``info_url`` (str | None, optional): a web page about the incident (used by the SMS).
- ``contract_reference`` (str | None, optional): the agreement a service provider notifies under.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

from jinja2 import BaseLoader, DictLoader, FileSystemLoader, StrictUndefined, TemplateNotFound, meta, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

Audience = Literal["individual", "regulator", "cra", "media", "data_owner", "substitute"]
AUDIENCES: tuple[Audience, ...] = ("individual", "regulator", "cra", "media", "data_owner", "substitute")
NoticeChannel = Literal["email", "sms", "postal", "page"]
TEMPLATE_DIR = Path(__file__).parent / "templates"


class NoticeTemplateNotFound(LookupError):
    """No template variant exists for an audience, channel and jurisdiction."""


@dataclass(frozen=True)
class RenderedNotice:
    """A rendered notice and the hashes that identify its content.

    ``templates`` is the snapshot of every template source the notice was rendered from (name → source):
    store it, and :func:`render_snapshot` renders the same notice later whatever happened to the files.
    """

    subject: str | None
    text: str
    html: str | None
    template_name: str
    template_version: str
    templates: dict[str, str]
    context: dict[str, Any] = field(repr=False, compare=False)

    @cached_property
    def content_hash(self) -> str:
        # On first use: a letter rendered for sending is compared by what it says, not by this hash.
        return content_hash(self.template_version, self.context)


def _environment(loader: BaseLoader) -> SandboxedEnvironment:
    return SandboxedEnvironment(
        loader=loader,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def version_of(templates: dict[str, str]) -> str:
    """sha256 (12 hex) over the names and sources of a template snapshot."""
    digest = hashlib.sha256()
    for name in sorted(templates):
        digest.update(name.encode() + b"\0" + templates[name].encode() + b"\0")
    return digest.hexdigest()[:12]


def content_hash(template_version: str, context: dict[str, Any]) -> str:
    """What a notice's content is addressed by: its template version and its context."""
    return hashlib.sha256(f"{template_version}\n{canonical_json(context)}".encode()).hexdigest()


def _render_parts(env: SandboxedEnvironment, prefix: str, names: set[str], ctx: dict[str, Any]
                  ) -> tuple[str | None, str, str | None]:
    text = env.get_template(f"{prefix}.txt").render(ctx).strip() + "\n"
    subject_name, html_name = f"{prefix}.subject.txt", f"{prefix}.html"
    subject = " ".join(env.get_template(subject_name).render(ctx).split()) if subject_name in names else None
    html = env.get_template(html_name).render(ctx) if html_name in names else None
    return subject, text, html


@lru_cache(maxsize=256)
def _snapshot_environment(key: str, items: tuple[tuple[str, str], ...]) -> SandboxedEnvironment:
    return _environment(DictLoader(dict(items)))


@lru_cache(maxsize=256)
def _snapshot_version(items: tuple[tuple[str, str], ...]) -> str:
    return version_of(dict(items))


def render_snapshot(templates: dict[str, str], template_name: str, context: dict[str, Any]) -> RenderedNotice:
    """Render a notice from a stored template snapshot (see :class:`RenderedNotice`), never from the files."""
    if not template_name.endswith(".txt") or template_name not in templates:
        raise NoticeTemplateNotFound(f"the snapshot has no template {template_name}")
    # One letter per person renders the same snapshot thousands of times: its version and environment are
    # computed once (the key is the sources themselves, so an edited snapshot is a new key).
    items = tuple(sorted(templates.items()))
    version = _snapshot_version(items)
    env = _snapshot_environment(version, items)
    prefix = template_name.removesuffix(".txt")
    subject, text, html = _render_parts(env, prefix, set(templates), dict(context))
    return RenderedNotice(subject=subject, text=text, html=html, template_name=template_name,
                          template_version=version, templates=dict(templates), context=dict(context))


class NoticeRenderer:
    """Renders notices from one template folder (the packaged one unless told otherwise)."""

    def __init__(self, template_dir: Path | None = None) -> None:
        self.template_dir = Path(template_dir) if template_dir is not None else TEMPLATE_DIR
        self.env = _environment(FileSystemLoader(self.template_dir))
        self._refs_cache: dict[tuple[str, bytes], tuple[str, ...]] = {}

    def candidates(self, audience: str, channel: str, jurisdiction: str | None, language: str | None = None
                   ) -> list[str]:
        """Variant prefixes from most specific to default, e.g. ``individual/US-CA.email`` (with a ``language``:
        ``individual/US-CA.email.es``, and only those: a letter asked for in Spanish is never silently English)."""
        if audience not in AUDIENCES:
            raise ValueError(f"unknown audience {audience!r}")
        names: list[str] = []
        if jurisdiction:
            names.append(jurisdiction)
            country = jurisdiction.split("-", 1)[0]
            if country != jurisdiction:
                names.append(country)
        names.append("default")
        suffix = f".{language}" if language else ""
        return [f"{audience}/{name}.{channel}{suffix}" for name in dict.fromkeys(names)]

    def resolve(self, audience: str, channel: str, jurisdiction: str | None, language: str | None = None) -> str:
        """The prefix of the most specific variant that has a text part."""
        for prefix in self.candidates(audience, channel, jurisdiction, language):
            if self._exists(f"{prefix}.txt"):
                return prefix
        raise NoticeTemplateNotFound(
            f"no template for audience={audience} channel={channel} jurisdiction={jurisdiction}"
            + (f" language={language}" if language else "")
        )

    def render(self, audience: str, channel: str, jurisdiction: str | None, context: dict[str, Any],
               language: str | None = None) -> RenderedNotice:
        prefix = self.resolve(audience, channel, jurisdiction, language)
        names = [n for n in (f"{prefix}.txt", f"{prefix}.subject.txt", f"{prefix}.html") if self._exists(n)]
        templates = self.snapshot(names)
        version = version_of(templates)
        subject, text, html = _render_parts(self.env, prefix, set(names), dict(context))
        rendered = RenderedNotice(subject=subject, text=text, html=html, template_name=f"{prefix}.txt",
                                  template_version=version, templates=templates, context=dict(context))
        rendered.content_hash  # noqa: B018 - a draft's context must be JSON: refuse it now, not when it is stored
        return rendered

    def snapshot(self, names: list[str]) -> dict[str, str]:
        """The sources of ``names`` and of everything they include or extend."""
        return {name: self.env.loader.get_source(self.env, name)[0]  # type: ignore[union-attr]
                for name in sorted(self._closure(names))}

    def template_version(self, names: list[str]) -> str:
        """sha256 (12 hex) over the names and sources of ``names`` and everything they include or extend."""
        return version_of(self.snapshot(names))

    def _closure(self, names: list[str]) -> set[str]:
        seen: set[str] = set()
        pending = list(names)
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            source, _, _ = self.env.loader.get_source(self.env, name)  # type: ignore[union-attr]
            pending.extend(self._references(name, source))
        return seen

    def _references(self, name: str, source: str) -> tuple[str, ...]:
        # Parsing is the expensive part of a render: cache it per exact source, so an edited file is re-read.
        key = (name, hashlib.sha256(source.encode()).digest())
        refs = self._refs_cache.get(key)
        if refs is None:
            found = list(meta.find_referenced_templates(self.env.parse(source)))
            if None in found:
                # A computed name would let the content change without the version changing.
                raise ValueError(f"template {name} includes a template by a computed name")
            refs = self._refs_cache[key] = tuple(found)  # type: ignore[arg-type]
        return refs

    def _exists(self, name: str) -> bool:
        try:
            self.env.loader.get_source(self.env, name)  # type: ignore[union-attr]
        except TemplateNotFound:
            return False
        return True


def canonical_json(context: dict[str, Any]) -> str:
    """The context as sorted, compact JSON; dates become ISO strings, other non-JSON values are refused."""

    def _default(value: object) -> str:
        if isinstance(value, datetime | date):
            return value.isoformat()
        raise TypeError(f"context values must be JSON data, got {type(value).__name__}")

    return json.dumps(context, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


@lru_cache(maxsize=1)
def _packaged_renderer() -> NoticeRenderer:
    # Built on first use, not at import; FileSystemLoader still picks up edited files.
    return NoticeRenderer()


def has_template(audience: Audience, channel: NoticeChannel, jurisdiction: str | None,
                 language: str | None = None) -> bool:
    """Whether the packaged templates have a variant for this audience, channel and jurisdiction (and language)."""
    try:
        _packaged_renderer().resolve(audience, channel, jurisdiction, language)
    except NoticeTemplateNotFound:
        return False
    return True


def render_notice(
    audience: Audience,
    channel: NoticeChannel,
    jurisdiction: str | None,
    context: dict[str, Any],
    *,
    language: str | None = None,
    template_dir: Path | None = None,
) -> RenderedNotice:
    """Renders the most specific template variant for ``audience``/``channel``/``jurisdiction`` (``language``:
    the variant written in it, e.g. ``individual/US.postal.es.txt``)."""
    renderer = _packaged_renderer() if template_dir is None else NoticeRenderer(template_dir)
    return renderer.render(audience, channel, jurisdiction, context, language)
