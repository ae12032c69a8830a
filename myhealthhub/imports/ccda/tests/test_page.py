"""A kept C-CDA document's page shows its sections, drawn only from our own tags.

Real portal files come from shared/data/ccda (read in place); hostile ones are
written here. Whatever the file holds, the page answers 200 and carries no
script, handler, style or live link from it.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from lxml import etree

from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import PASSWORD, World, make_account
from myhealthhub.documents.actions import add_document
from myhealthhub.documents.models import Document
from myhealthhub.documents.sniff import CCDA
from myhealthhub.imports.ccda import narrative, plain_text
from myhealthhub.profiles import actions as profile_actions
from myhealthhub.tests.real_files import ours
from myhealthhub.tests.test_browser_journey import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    collect_browser_errors,
    sign_in,
)

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts" / "ccda"
CCD = ours("ccda/hl7spec_CCD1.XML")
NEXTGEN = ours("ccda/jdd_NextGen_1.3AllPatients-C0001597.xml")
UNSTRUCTURED = ours("ccda/hl7spec_Unstructured_Document_embed_PDF.xml")

COULD_NOT = "This document could not be shown; download it to read it."


def document_xml(
    *sections: str, title: str = "Summary from the portal", xmlns: bool = True
) -> bytes:
    namespace = ' xmlns="urn:hl7-org:v3"' if xmlns else ""
    components = "".join(f"<component>{section}</component>" for section in sections)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><ClinicalDocument{namespace}>'
        f"<title>{title}</title><component><structuredBody>{components}"
        "</structuredBody></component></ClinicalDocument>"
    ).encode()


def section(title: str, text: str, code: str = "") -> str:
    coded = f'<code code="{code}" codeSystem="2.16.840.1.113883.6.1"/>' if code else ""
    return f"<section>{coded}<title>{title}</title><text>{text}</text></section>"


def keep(world: World, content: bytes, filename: str = "portal.xml") -> Document:
    return add_document(
        world.profile,
        io.BytesIO(content),
        filename=filename,
        actor=world.accounts["owner"],
        request=None,
        file_type=CCDA,
    )


def page_of(world: World, document: Document, caller: str = "viewer") -> str:
    url = reverse("documents:detail", args=[world.profile.uuid, document.uuid])
    response = world.client(caller).get(url)
    assert response.status_code == 200
    return response.content.decode()


def drawn(page: str) -> str:
    """The part of the page drawn from the file (the rest has the site's own script tag)."""
    start = page.index('<div class="ccda">')
    return page[start : page.index('<section class="document-context"', start)]


def parse(xml: str) -> etree._Element:
    return etree.fromstring(xml.encode())


def opened(document: Document) -> int:
    return AuditEvent.objects.filter(
        action=Action.DOCUMENT_OPENED, object_uuid=document.uuid
    ).count()


# The page ------------------------------------------------------------------------


def test_a_portal_document_shows_its_sections_and_their_tables(world: World):
    document = keep(world, CCD.read_bytes(), "CCD1.xml")
    page = page_of(world, document)
    shown = drawn(page)
    assert "Patient Chart Summary" in shown
    for title in ("ALLERGIES AND ADVERSE REACTIONS", "PROBLEMS", "MEDICATIONS"):
        assert f">{title}</h3>" in shown
        assert f">{title}</a></li>" in shown  # in the contents, linking to its anchor
    assert "<td>Penicillin</td>" in shown and "<th>Reaction</th>" in shown
    assert "<li>Problem #1<ul><li>Pneumonia" in shown
    # Anchors are ours; the file's IDs (immunSect, immi1...) never reach the page.
    assert 'href="#section-1"' in shown and 'id="section-1"' in shown
    assert "immunSect" not in page and "immi1" not in page
    # Its document link is text, not a link.
    assert "Advance directive (AdvanceDirective.b50b7910.pdf)" in shown
    assert 'AdvanceDirective.b50b7910.pdf"' not in page
    assert "C-CDA document" in page
    assert opened(document) == 1


def test_a_document_written_without_the_hl7_namespace_is_shown_too(world: World):
    document = keep(world, NEXTGEN.read_bytes(), "nextgen.xml")
    shown = drawn(page_of(world, document))
    assert COULD_NOT not in shown
    assert shown.count('<section class="ccda-section"') >= 10


def test_hostile_narrative_is_text_and_our_own_tags_only(world: World):
    hostile = section(
        "Notes &lt;b&gt;bold&lt;/b&gt;",
        '<paragraph ID="p1" style="color:red" onmouseover="x()">&lt;script&gt;alert(1)&lt;/script&gt;</paragraph>'
        '<content onclick="x" styleCode="Bold">loud</content>'
        '<linkHtml href="javascript:alert(1)">click</linkHtml>'
        '<table ID="x" style="position:fixed" border="1"><tbody><tr>'
        '<td colspan="2" rowspan="99999" class="evil">cell</td><td colspan="0">zero</td>'
        '<td colspan="3&quot; onclick=&quot;x">quoted</td></tr></tbody></table>'
        '<xhtml:script xmlns:xhtml="http://www.w3.org/1999/xhtml">steal()</xhtml:script>'
        '<xhtml:img xmlns:xhtml="http://www.w3.org/1999/xhtml" src="https://evil.example/x.png"/>'
        '<renderMultiMedia referencedObject="m1"/>',
    )
    document = keep(world, document_xml(hostile))
    page = page_of(world, document)
    shown = drawn(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "<strong>loud</strong>" in shown
    assert "click (javascript:alert(1))" in shown  # the address as text only
    assert '<td colspan="2">cell</td><td>zero</td><td>quoted</td>' in shown
    assert "[picture not shown]" in shown
    assert "Notes &lt;b&gt;bold&lt;/b&gt;" in shown  # a title is text too
    lowered = shown.lower()
    for banned in (
        "<script",
        "onclick",
        "onmouseover",
        'href="javascript',
        "style=",
        "<img",
        "evil",
    ):
        assert banned not in lowered, banned
    assert "steal()" not in shown  # a script's code is not narrative
    assert 'id="p1"' not in lowered and 'id="x"' not in lowered
    # Every attribute on the drawn page is one we wrote.
    attributes = set(re.findall(r"\s([a-z-]+)=", shown))
    assert attributes <= {"class", "id", "href", "aria-labelledby", "colspan", "rowspan"}
    assert all(href.startswith("#section-") for href in re.findall(r'href="([^"]*)"', shown))


def test_a_document_type_declaration_is_refused_without_expanding_entities(world: World):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE ClinicalDocument ['
        b'<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
        b'<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">'
        b"]>"
        b'<ClinicalDocument xmlns="urn:hl7-org:v3"><title>Laughs</title><component>'
        b"<structuredBody><component><section><title>Allergies</title>"
        b"<text><paragraph>&lol4;</paragraph></text></section></component>"
        b"</structuredBody></component></ClinicalDocument>"
    )
    document = keep(world, laughs)
    page = page_of(world, document)
    shown = drawn(page)
    assert COULD_NOT in shown
    assert "lollol" not in page and "Laughs" not in page and "ccda-section" not in shown
    assert opened(document) == 0  # nothing of it was shown


def test_an_external_entity_is_never_read(world: World):
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE ClinicalDocument ['
        b'<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
        b'<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&secret;</title></ClinicalDocument>'
    )
    page = page_of(world, keep(world, xxe))
    assert COULD_NOT in page and "root:" not in page


def test_a_broken_file_gets_a_message_not_an_error(world: World):
    page = page_of(world, keep(world, b'<ClinicalDocument xmlns="urn:hl7-org:v3"><title>cut'))
    assert COULD_NOT in page


def test_a_document_whose_body_is_a_file_shows_no_sections_and_no_error(world: World):
    page = page_of(world, keep(world, UNSTRUCTURED.read_bytes(), "discharge.xml"))
    shown = drawn(page)
    assert "ccda-section" not in shown and COULD_NOT not in shown
    assert "This document has no sections to show here; download it to read it." in shown


def test_a_document_too_large_to_draw_can_still_be_downloaded(world: World, monkeypatch):
    from myhealthhub.documents import showing

    monkeypatch.setattr(showing, "SHOWN_BYTES", 100)
    document = keep(
        world, document_xml(section("Problems", "<paragraph>" + "x" * 200 + "</paragraph>"))
    )
    page = page_of(world, document)
    assert "This document is too large to show here; download it to read it." in page
    assert reverse("documents:file", args=[world.profile.uuid, document.uuid]) in page


def test_subsections_are_shown_inside_their_section(world: World):
    inner = section("Chief complaint", "<paragraph>Cough</paragraph>")
    outer = (
        "<section><title>History</title><text><paragraph>Seen today</paragraph></text>"
        f"<component>{inner}</component></section>"
    )
    shown = drawn(page_of(world, keep(world, document_xml(outer, section("Plan", "")))))
    assert '<section class="ccda-subsection level-2" id="section-2"' in shown
    assert ">Chief complaint</h4>" in shown and "<p>Cough</p>" in shown
    assert 'id="section-3"' in shown and "Nothing is written in this section." in shown


def test_strangers_and_revoked_caregivers_cannot_see_it(world: World):
    document = keep(world, document_xml(section("Problems", "<paragraph>Asthma</paragraph>")))
    url = reverse("documents:detail", args=[world.profile.uuid, document.uuid])
    for caller in ("stranger", "revoked"):
        assert world.client(caller).get(url).status_code == 404


# The renderer --------------------------------------------------------------------


def test_render_keeps_only_small_spans_and_the_list_kind():
    html = narrative.render(
        parse(
            '<text><list listType="ordered"><item>one</item>stray<item>two</item></list>'
            '<table><tr><th colspan=" 3 ">h</th><td rowspan="-1">a</td><td colspan="1e3">b</td></tr></table>'
            "<paragraph>a<sub>2</sub>b<sup>3</sup><br/>c</paragraph></text>"
        )
    )
    assert "<ol><li>one</li><li>stray</li><li>two</li></ol>" in html
    assert '<th colspan="3">h</th><td>a</td><td>b</td>' in html
    assert "<p>a<sub>2</sub>b<sup>3</sup><br>c</p>" in html


def test_a_character_escaped_twice_is_read_once_more_and_escaped_again():
    # NextGen writes "Children&amp;#39;s"; what it means is still only text.
    text = parse(
        "<text><paragraph>Children&amp;#39;s &amp;#x3C;script&amp;#x3E; &amp;#xD800;&amp;#7;"
        "&amp;#1114112;&amp;lt;</paragraph></text>"
    )
    assert narrative.render(text) == "<p>Children&#x27;s &lt;script&gt; &amp;lt;</p>"
    assert plain_text.plain_text(text) == "Children's <script> &lt;"


def test_render_survives_a_very_deep_narrative():
    deep = "<content>" * 240 + "bottom" + "</content>" * 240
    html = narrative.render(parse(f"<text>{deep}</text>"))
    assert "bottom" in html


def test_render_leaves_out_what_is_too_long(monkeypatch):
    monkeypatch.setattr(narrative, "MAX_OUTPUT", 1000)
    text = parse("<text>" + "<paragraph>a line of text</paragraph>" * 500 + "</text>")
    html = narrative.render(text)
    assert len(html) < 1500
    assert "The rest of this document is too long to show here" in html
    assert html.count("<p") == html.count("</p>")


def test_a_document_too_long_to_draw_ends_with_a_note(monkeypatch):
    monkeypatch.setattr(narrative, "MAX_OUTPUT", 1000)
    monkeypatch.setattr(narrative, "MAX_SECTIONS", 3)
    one_long_text = parse(
        document_xml(section("Notes", "<paragraph>" + '"' * 5000 + "</paragraph>")).decode()
    )
    *shown, note = narrative.sections(one_long_text)
    assert len(shown[0].html) <= 1000 + len("</p>") and shown[0].html.endswith("&quot;</p>")
    assert note.title == "Left out" and "download it to read it" in note.html
    many = parse(
        document_xml(*[section(f"S{n}", "<paragraph>x</paragraph>") for n in range(10)]).decode()
    )
    assert [each.title for each in narrative.sections(many)] == ["S0", "S1", "S2", "Left out"]


def test_sections_without_a_structured_body_are_none():
    root = parse(
        '<ClinicalDocument xmlns="urn:hl7-org:v3"><component><nonXMLBody>'
        '<text mediaType="text/plain">hello</text></nonXMLBody></component></ClinicalDocument>'
    )
    assert narrative.sections(root) == []


def test_a_section_without_a_title_is_named_as_such():
    root = parse(
        document_xml(section("", "<paragraph>x</paragraph>", code="10164-2"), xmlns=False).decode()
    )
    [only] = narrative.sections(root)
    assert (only.title, only.code, str(only.html)) == ("Untitled section", "10164-2", "<p>x</p>")


# Plain text ----------------------------------------------------------------------


def test_plain_text_puts_paragraphs_items_and_rows_on_lines_of_their_own():
    text = parse(
        '<text xmlns="urn:hl7-org:v3"><paragraph>Active\u00a0\u00a0problems:</paragraph>'
        "<list><item>Asthma<list><item>since 2010</item></list></item><item>Hay   fever</item></list>"
        "<table><thead><tr><th>Substance</th><th>Reaction</th></tr></thead>"
        "<tbody><tr><td>Penicillin</td><td>Hives<br/>rash</td></tr>"
        "<tr><td>Codeine\u0085</td><td/></tr></tbody></table>"
        "<paragraph>First line<br/>second line</paragraph><paragraph/><paragraph/>"
        "<paragraph>Last</paragraph></text>"
    )
    assert plain_text.plain_text(text) == (
        "Active problems:\n"
        "\n"
        "- Asthma\n"
        "  - since 2010\n"
        "- Hay fever\n"
        "\n"
        "Substance | Reaction\n"
        "Penicillin | Hives rash\n"
        "Codeine | \n"
        "\n"
        "First line\n"
        "second line\n"
        "\n"
        "Last"
    ).replace(" | \n", " |\n")


def test_plain_text_resolves_references_and_shows_link_addresses_as_text():
    document = parse(
        "<section><text><content ID='c1'>Penicillin\u00a0G</content></text>"
        "<entry><text>Allergy to <reference value='#c1'/> noted "
        "<linkHtml href='https://example.org/a'>leaflet</linkHtml></text></entry></section>"
    )
    references = {"c1": document[0][0]}
    entry_text = document[1][0]
    assert plain_text.plain_text(entry_text, references) == (
        "Allergy to Penicillin G noted leaflet (https://example.org/a)"
    )
    assert plain_text.plain_text(entry_text) == "Allergy to noted leaflet (https://example.org/a)"


def test_plain_text_is_bounded_however_often_a_long_paragraph_is_referenced(monkeypatch):
    monkeypatch.setattr(plain_text, "MAX_OUTPUT", 10_000)
    document = parse(
        "<section><text><paragraph ID='long'>" + "word " * 2000 + "</paragraph></text>"
        "<entry><text>" + "<reference value='#long'/>" * 1000 + "</text></entry></section>"
    )
    references = {"long": document[0][0]}
    assert len(plain_text.plain_text(document[1][0], references)) <= 10_000


def test_text_of_collapses_spaces():
    assert narrative.text_of(parse("<td> a\u00a0 <b>b</b>\n\tc </td>")) == "a b c"


# In a browser ---------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} to drive")
def test_portal_documents_read_well_in_a_browser(live_server):
    """Screenshots in ``test-artifacts/ccda/`` for a human to look at; no browser error."""
    from playwright.sync_api import expect, sync_playwright

    account = make_account("ana.ccda@example.org", language="en")
    profile = profile_actions.create_profile(account, request=None, given_name="Ana")
    kept = {
        name: add_document(
            profile,
            io.BytesIO(path.read_bytes()),
            filename=path.name,
            actor=account,
            request=None,
            file_type=CCDA,
        )
        for name, path in (("nextgen", NEXTGEN), ("ccd", CCD))
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=DESKTOP)
            errors = collect_browser_errors(page)
            sign_in(page, live_server.url, account.email, PASSWORD)
            for name, document in kept.items():
                page.set_viewport_size(DESKTOP)
                page.goto(f"{live_server.url}/p/{profile.uuid}/documents/{document.uuid}/")
                expect(page.locator(".ccda-section").first).to_be_visible()
                page.screenshot(path=ARTIFACTS / f"{name}-desktop.png", full_page=True)
                page.set_viewport_size(PHONE)
                page.screenshot(path=ARTIFACTS / f"{name}-phone.png")
                widest = page.locator(".ccda-section").filter(has_text="Medications").first
                widest.screenshot(path=ARTIFACTS / f"{name}-phone-medications.png")
                # A wide table scrolls inside its section; the page itself does not.
                assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            page.set_viewport_size(DESKTOP)
            page.get_by_role("link", name="PROBLEMS", exact=True).click()
            expect(page.get_by_role("heading", name="PROBLEMS", exact=True)).to_be_in_viewport()
            assert errors == []
        finally:
            browser.close()
