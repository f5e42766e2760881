"""Official terms become tappable in statushouder pages, but never inside links, buttons or form labels."""
from flask import g

from tracker.web.glossary import TERMS, all_terms, wrap_terms


def test_terms_in_text_become_popover_buttons(sqlite_only_app):
    with sqlite_only_app.test_request_context():
        html = str(wrap_terms("<p>Uw termijn begint na de PIP-brief. Meld u aan bij Mijn Inburgering.</p>"))
        assert '<button type="button" class="term" popovertarget="gl-termijn"><bdi>termijn</bdi></button>' in html
        assert 'popovertarget="gl-pip"><bdi>PIP</bdi></button>-brief' in html
        assert 'popovertarget="gl-mijn-inburgering"' in html
        assert g.glossary_used == ["termijn", "PIP", "Mijn Inburgering"]


def test_terms_inside_interactive_or_attribute_text_stay_untouched(sqlite_only_app):
    source = ('<a href="/me/plan">Mijn plan (PIP)</a><label for="x">KNM-les</label>'
              '<button>DUO</button><input value="PIP"><option>MAP</option><p title="PVT">tekst &amp; meer</p>')
    with sqlite_only_app.test_request_context():
        assert str(wrap_terms(source)) == source
        assert g.get("glossary_used") == []


def test_words_that_merely_contain_a_term_are_not_wrapped(sqlite_only_app):
    with sqlite_only_app.test_request_context():
        html = str(wrap_terms("<p>DUOLINGO en termijnen en mapje</p>"))
        assert "<button" not in html


def test_every_term_has_an_explanation_on_the_help_page(sqlite_only_app):
    with sqlite_only_app.test_request_context():
        assert [t for _, t, _e in all_terms()] == list(TERMS)
        assert all(explanation for _, _t, explanation in all_terms())
