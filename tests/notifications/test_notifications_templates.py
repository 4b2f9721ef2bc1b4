"""Notice templates: lookup order, escaping, sandboxing, hashes and the packaged texts."""

from __future__ import annotations

from pathlib import Path

import pytest
from breachclock.notifications.templates import AUDIENCES, NoticeTemplateNotFound, render_notice
from hypothesis import given
from hypothesis import strategies as st
from jinja2.exceptions import SecurityError, UndefinedError

from tests.notifications.samples import notice_context

CA_HEADINGS = [
    "What Happened",
    "What Information Was Involved",
    "What We Are Doing",
    "What You Can Do",
    "For More Information",
]


def write(root: Path, name: str, source: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")


@pytest.fixture
def tdir(tmp_path: Path) -> Path:
    write(tmp_path, "individual/default.email.txt", "default {{ entity_name }}")
    write(tmp_path, "individual/US.email.txt", "country {{ entity_name }}")
    write(tmp_path, "individual/US-CA.email.txt", "specific {{ entity_name }}")
    write(tmp_path, "individual/US-CA.email.subject.txt", "Notice\n of Data Breach")
    write(tmp_path, "individual/default.email.html", "<p>Dear {{ recipient_name }}</p>")
    return tmp_path


def test_specific_beats_country_beats_default(tdir: Path) -> None:
    ctx = {"entity_name": "Acme", "recipient_name": "Jane"}
    assert render_notice("individual", "email", "US-CA", ctx, template_dir=tdir).text == "specific Acme\n"
    assert render_notice("individual", "email", "US-NY", ctx, template_dir=tdir).text == "country Acme\n"
    fallback = render_notice("individual", "email", "GB", ctx, template_dir=tdir)
    assert fallback.text == "default Acme\n"
    assert fallback.template_name == "individual/default.email.txt"
    assert render_notice("individual", "email", None, ctx, template_dir=tdir).text == "default Acme\n"


def test_parts_come_from_one_variant(tdir: Path) -> None:
    specific = render_notice("individual", "email", "US-CA", {"entity_name": "A"}, template_dir=tdir)
    assert specific.subject == "Notice of Data Breach"  # whitespace collapsed to one line
    assert specific.html is None  # the default's HTML is not mixed into the California variant
    default = render_notice("individual", "email", "GB", {"entity_name": "A", "recipient_name": "J"}, template_dir=tdir)
    assert default.subject is None and default.html == "<p>Dear J</p>"


def test_missing_variant_and_unknown_audience(tdir: Path) -> None:
    with pytest.raises(NoticeTemplateNotFound):
        render_notice("regulator", "email", "US-CA", {}, template_dir=tdir)
    with pytest.raises(ValueError):
        render_notice("attacker", "email", "US-CA", {}, template_dir=tdir)  # type: ignore[arg-type]


def test_html_is_autoescaped_and_text_is_not(tdir: Path) -> None:
    evil = '<script>alert("x")</script> & Co'
    rendered = render_notice(
        "individual", "email", "GB", {"entity_name": evil, "recipient_name": evil}, template_dir=tdir
    )
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;" in rendered.html
    assert evil in rendered.text  # plain text is sent as text/plain


def test_packaged_html_escapes_a_malicious_name() -> None:
    rendered = render_notice(
        "individual", "email", "US-CA", notice_context(recipient_name="<img src=x onerror=alert(1)>")
    )
    assert "<img" not in rendered.html
    assert "&lt;img src=x onerror=alert(1)&gt;" in rendered.html


def test_context_values_are_data_not_templates(tdir: Path) -> None:
    rendered = render_notice(
        "individual", "email", "GB", {"entity_name": "{{ 7*7 }}", "recipient_name": ""}, template_dir=tdir
    )
    assert rendered.text == "default {{ 7*7 }}\n"


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ entity_name.__class__.__base__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ entity_name.format.__globals__ }}",
    ],
)
def test_sandbox_blocks_attribute_tricks(tmp_path: Path, source: str) -> None:
    write(tmp_path, "individual/default.email.txt", source)
    with pytest.raises((SecurityError, UndefinedError)):
        render_notice("individual", "email", "GB", {"entity_name": "x"}, template_dir=tmp_path)


def test_missing_required_key_fails_loudly(tdir: Path) -> None:
    with pytest.raises(UndefinedError):
        render_notice("individual", "email", "US-CA", {}, template_dir=tdir)


def test_content_hash_is_stable_and_sensitive_to_context(tdir: Path) -> None:
    a = render_notice("individual", "email", "GB", {"entity_name": "A", "recipient_name": "J"}, template_dir=tdir)
    b = render_notice("individual", "email", "GB", {"recipient_name": "J", "entity_name": "A"}, template_dir=tdir)
    c = render_notice("individual", "email", "GB", {"entity_name": "A", "recipient_name": "K"}, template_dir=tdir)
    assert a.content_hash == b.content_hash
    assert a.content_hash != c.content_hash
    assert a.template_version == c.template_version and len(a.template_version) == 12


def test_template_changes_change_version_and_hash(tdir: Path) -> None:
    ctx = {"entity_name": "A", "recipient_name": "J"}
    before = render_notice("individual", "email", "GB", ctx, template_dir=tdir)
    write(tdir, "individual/default.email.html", "<p>Hello {{ recipient_name }}</p>")
    after = render_notice("individual", "email", "GB", ctx, template_dir=tdir)
    assert before.template_version != after.template_version
    assert before.content_hash != after.content_hash


def test_included_partials_count_in_the_version(tmp_path: Path) -> None:
    write(tmp_path, "individual/default.email.txt", '{% include "individual/_body.txt" %}')
    write(tmp_path, "individual/_body.txt", "one")
    before = render_notice("individual", "email", None, {}, template_dir=tmp_path)
    write(tmp_path, "individual/_body.txt", "two")
    after = render_notice("individual", "email", None, {}, template_dir=tmp_path)
    assert (before.text, after.text) == ("one\n", "two\n")
    assert before.template_version != after.template_version


@pytest.fixture(scope="module")
def static_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("static-templates")
    write(root, "media/default.email.txt", "A fixed press text.")
    return root


@given(
    st.dictionaries(
        st.text(max_size=8), st.integers() | st.text(max_size=20) | st.lists(st.text(max_size=5)), max_size=6
    )
)
def test_content_hash_ignores_key_order(static_dir: Path, context: dict[str, object]) -> None:
    reordered = dict(reversed(list(context.items())))
    a = render_notice("media", "email", None, context, template_dir=static_dir)
    b = render_notice("media", "email", None, reordered, template_dir=static_dir)
    assert a.content_hash == b.content_hash
    assert (context == {}) or a.content_hash != render_notice(
        "media", "email", None, {}, template_dir=static_dir
    ).content_hash


# -- the packaged templates ------------------------------------------------


def test_california_email_is_titled_notice_of_data_breach_with_the_required_headings() -> None:
    rendered = render_notice("individual", "email", "US-CA", notice_context())
    assert rendered.template_name == "individual/US-CA.email.txt"
    assert rendered.subject == "Notice of Data Breach"
    assert rendered.text.startswith("NOTICE OF DATA BREACH")
    assert "<h1" in rendered.html and "Notice of Data Breach" in rendered.html
    positions = [rendered.text.index(h) for h in CA_HEADINGS]
    assert positions == sorted(positions)
    assert all(f"<h2>{h}</h2>" in rendered.html for h in CA_HEADINGS)
    assert "April 1, 2026" in rendered.text  # date of the notice
    assert "Equifax" in rendered.text  # consumer reporting agencies listed
    assert "not delayed as a result of a law enforcement investigation" in rendered.text


@pytest.mark.parametrize("channel", ["email", "postal"])
def test_us_individual_notice_has_the_headings(channel: str) -> None:
    rendered = render_notice("individual", channel, "US-NY", notice_context(jurisdiction="US-NY"))  # type: ignore[arg-type]
    assert rendered.template_name == f"individual/US.{channel}.txt"
    assert all(h in rendered.text for h in CA_HEADINGS)


@pytest.mark.parametrize("jurisdiction", ["DE", "JP", "BR"])
def test_residents_abroad_never_get_the_us_letter(jurisdiction: str) -> None:
    # US advice (credit bureaus, the FTC, "your state attorney general") is wrong abroad: no template, no letter
    # (EU residents' duties are drafted under the EU's letter, template jurisdiction EU, never per country).
    for channel in ("email", "postal"):
        with pytest.raises(NoticeTemplateNotFound):
            render_notice("individual", channel, jurisdiction, notice_context(jurisdiction=jurisdiction))  # type: ignore[arg-type]


@pytest.mark.parametrize("jurisdiction", ["GB", "EU", "CA", "CA-QC", "AU"])
def test_residents_abroad_get_their_own_letter_without_us_advice(jurisdiction: str) -> None:
    for channel in ("email", "postal"):
        rendered = render_notice("individual", channel, jurisdiction, notice_context(jurisdiction=jurisdiction))  # type: ignore[arg-type]
        assert rendered.template_name == f"individual/{jurisdiction}.{channel}.txt"
        assert "Federal Trade Commission" not in rendered.text and "attorney general" not in rendered.text.casefold()


def test_client_sms_is_short_and_carries_no_personal_details() -> None:
    ctx = notice_context(recipient_office="Acme Corporation", contract_reference="MSA section 9.2", residents_count=12)
    rendered = render_notice("data_owner", "sms", "client", ctx)
    assert len(rendered.text) <= 306
    assert "Jane" not in rendered.text and "Social Security" not in rendered.text
    assert "Acme Corporation" in rendered.text and "MSA section 9.2" in rendered.text and "12" in rendered.text


MINIMAL_KEYS = [
    "entity_name",
    "entity_contact",
    "incident_title",
    "incident_summary",
    "discovered_at",
    "data_elements",
    "measures_taken",
    "steps_for_individuals",
    "jurisdiction",
    "notice_date",
]


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_audience_renders_with_only_the_required_keys(audience: str) -> None:
    full = notice_context()
    minimal = {k: full[k] for k in MINIMAL_KEYS}
    channel = "email" if audience in ("individual", "data_owner") else "filing"
    for context in (full, minimal):
        rendered = render_notice(audience, channel, "US-CA", context)  # type: ignore[arg-type]
        assert rendered.subject
        assert "Acme Health, Inc." in rendered.text


def test_regulator_letter_names_office_citation_and_count() -> None:
    rendered = render_notice("regulator", "filing", "US-CA", notice_context())
    assert "Office of the Attorney General" in rendered.text
    assert "Cal. Civ. Code § 1798.82" in rendered.text
    assert "1,234 California residents" in rendered.text


def test_data_owner_notice_gives_discovery_and_contact() -> None:
    rendered = render_notice("data_owner", "email", "client", notice_context(contract_reference="the MSA of 2024",
                                                                            recipient_name="General Counsel"))
    assert "Discovered by Acme Health, Inc.: March 9, 2026" in rendered.text
    assert rendered.text.count("the MSA of 2024") == 1  # the contract is cited once, in the opening
    assert "Dear General Counsel:" in rendered.text
    assert "1-800-555-0100" in rendered.text
