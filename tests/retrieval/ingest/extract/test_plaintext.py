"""The plain-text cleaner on scrapes shaped like the user's real input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from retrieval.ingest.extract import ExtractedArticle, extract_path
from retrieval.ingest.extract.plaintext import extract_text
from retrieval.text.normalize import paragraphs
from tests.shared_data import SharedData


def _only(path: Path) -> ExtractedArticle:
    (article,) = list(extract_path(path))
    assert isinstance(article, ExtractedArticle)
    return article


def test_harbour_scrape_fields(fixtures: Path) -> None:
    article = _only(fixtures / "scrape_harbour.txt")
    assert article.title == "Lisbon port expands night shifts as freight backlog grows"
    assert article.published == datetime(2024, 3, 12, 9, 15, tzinfo=UTC)
    assert article.source == "Coastline Herald"
    assert article.byline == "Reuters"
    assert article.dateline == "Lisbon"
    assert article.description == (
        "Port authorities said the extra shifts would run until the end of April while two "
        "new cranes are installed on the container quay"
    )
    body = paragraphs(article.body)
    assert len(body) == 5
    assert body[0].startswith("The port of Lisbon will add overnight shifts")
    assert body[1] == article.description + "."  # the standfirst repeated in the text stays
    assert body[-1].endswith("could still delay deliveries of the parts.")
    for furniture in ("WhatsApp", "syndicated", "Also Read", "Topics", "Telegram", "©"):
        assert furniture not in article.body


def test_orchard_scrape_fields(fixtures: Path) -> None:
    article = _only(fixtures / "scrape_orchard.txt")
    assert article.title == "Orchards in the north brace for a late frost after a warm March"
    assert article.published == datetime(2023, 4, 3, 18, 5, tzinfo=timezone(timedelta(hours=2)))
    assert article.source == "Valley Ledger"
    assert article.byline == "AFP"
    assert article.dateline == "Toulouse"
    assert article.description is not None
    assert article.description.startswith("Growers are lighting heaters")
    body = paragraphs(article.body)
    assert body[0].startswith("Fruit growers across the northern valleys")
    assert "What the growers are doing" in body  # a subheading inside the text is kept
    assert body[-1].startswith("The regional farming chamber said")
    for furniture in ("Advertisement", "newsletter", "syndicated", "Beekeepers", "Topics"):
        assert furniture not in article.body


def test_paragraphs_are_separated_by_blank_lines(fixtures: Path) -> None:
    article = _only(fixtures / "scrape_orchard.txt")
    assert "\n\n" in article.body
    assert "\n\n\n" not in article.body
    assert all("\n" not in p for p in paragraphs(article.body))


def test_plain_article_without_page_furniture() -> None:
    text = (
        "Council approves new cycle lanes\n\n"
        "The city council voted on Thursday to build six kilometres of protected cycle lanes "
        "along the river, after a year of consultation with residents.\n\n"
        "Work is due to start in the autumn and should take about eighteen months, the "
        "council's transport committee said in a statement.\n"
    )
    article = extract_text(text, name="plain.txt")
    assert article.title == "Council approves new cycle lanes"
    assert len(paragraphs(article.body)) == 2
    assert article.published is None and article.source is None


def test_hard_wrapped_paragraphs_are_joined() -> None:
    text = (
        "Harbour ferry fares to rise in May\n\n"
        "Fares on the harbour ferries will rise by ten per cent from the first of\n"
        "May, the transport authority said on Monday, the first increase since the\n"
        "service was taken over by the city three years ago.\n\n"
        "Season tickets for residents will keep their current price until the end\n"
        "of the year, the authority added in its statement to the council.\n"
    )
    body = paragraphs(extract_text(text, name="wrapped.txt").body)
    assert len(body) == 2
    assert body[0].startswith("Fares on the harbour ferries") and body[0].endswith(
        "three years ago."
    )


def test_real_seed_is_extracted_exactly(shared_data: SharedData) -> None:
    article = _only(shared_data.seed)
    assert article.title == (
        "Leaders of S Korea, NZ strongly condemn expanding North Korea-Russia ties"
    )
    assert article.published is not None
    assert article.published.isoformat() == "2024-09-04T13:42:00+05:30"
    assert article.source == "Business Standard"
    assert article.byline == "AP"
    assert article.dateline == "Seoul"
    standfirst = (
        "New Zealand Prime Minister Christopher Luxon arrived in Seoul, the South Korean "
        "capital, on his first trip to the Asian country since he took office last November"
    )
    assert article.description == standfirst
    body = paragraphs(article.body)
    assert len(body) == 6
    assert body[0].startswith("The leaders of South Korea and New Zealand strongly condemned")
    assert body[1] == standfirst + "."
    assert body[-1].endswith("if either country is attacked.")
    for furniture in ("WhatsApp", "Only the headline", "Also Read", "Topics", "Telegram"):
        assert furniture not in article.body
