"""`jiceng docs`: the generated site, opened in headless Chromium, reaches every table page from the
index by following links, has no broken link or anchor, and shows hostile text as text."""
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from typer.testing import CliRunner

from jiceng.cli import app
from jiceng.review.diff import open_standard
from jiceng.review.docs import build_docs

REPO = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
runner = CliRunner()





def _links(driver) -> list[str]:
    return driver.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")


def _ids(driver) -> set[str]:
    return set(driver.execute_script("return Array.from(document.querySelectorAll('[id]')).map(e => e.id)"))


def _path(url: str) -> Path:
    return Path(unquote(urlparse(url).path))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("docs") / "site"
    result = runner.invoke(app, ["docs", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_every_table_page_is_found_from_the_index(browser, site, standard):
    from selenium.webdriver.common.by import By

    index = (site / "index.html").as_uri()
    browser.get(index)
    assert standard.version in browser.find_element(By.TAG_NAME, "body").text
    table_links = [u for u in _links(browser) if "/tables/" in u]
    found = sorted({_path(u).stem for u in table_links})
    assert found == sorted(standard.tables), "the index links every table"
    for table in found:
        browser.get(index)
        browser.find_element(By.CSS_SELECTOR, f'#tables a[href="tables/{table}.html"]').click()
        assert _path(browser.current_url) == site / "tables" / f"{table}.html"
        assert table in browser.find_element(By.TAG_NAME, "h1").text
        rows = browser.find_elements(By.CSS_SELECTOR, "table.fields tbody tr")
        names = [r.find_element(By.CSS_SELECTOR, "td code").text for r in rows]
        assert names == standard.field_names(table)
        zh_title = standard.table(table)["zh"]["title"]
        assert zh_title in browser.title


def test_no_broken_links_or_anchors(browser, site):
    """Visit every page reachable from the index; every link and #anchor must resolve inside the site."""
    start = (site / "index.html").resolve()
    queue, seen, ids, wanted = [start], {start}, {}, []
    while queue:
        page = queue.pop()
        browser.get(page.as_uri())
        ids[page] = _ids(browser)
        for url in _links(browser):
            parsed = urlparse(url)
            assert parsed.scheme == "file", f"{page.name}: unexpected external link {url}"
            target = _path(url).resolve()
            assert target.is_file(), f"{page.relative_to(site)}: broken link {url}"
            assert site.resolve() in target.parents, f"{page.name}: link leaves the site: {url}"
            if parsed.fragment:
                wanted.append((page, target, unquote(parsed.fragment)))
            if target.suffix == ".html" and target not in seen:
                seen.add(target)
                queue.append(target)
    expected = {p.resolve() for p in site.rglob("*.html")}
    assert seen == expected, f"pages not reachable from the index: {sorted(map(str, expected - seen))}"
    missing = [(str(p.relative_to(site)), str(t.relative_to(site)), f) for p, t, f in wanted if f not in ids[t]]
    assert not missing, missing[:10]


def test_codelist_values_indicators_and_changelog(browser, site, standard):
    from selenium.webdriver.common.by import By

    browser.get((site / "codelists" / "case_status.html").as_uri())
    rows = browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert [r.get_attribute("id") for r in rows] == [f"code-{c}" for c in standard.codelist("case_status").codes]
    assert "cases.status" in browser.find_element(By.TAG_NAME, "body").text  # used by
    browser.get((site / "indicators.html").as_uri())
    sections = browser.find_elements(By.CSS_SELECTOR, "section[id^=indicator-]")
    assert len(sections) == len(standard.catalogue)
    browser.get((site / "changelog.html").as_uri())
    assert f"[{standard.version}]" in browser.find_element(By.TAG_NAME, "body").text


HOSTILE = '<script>window.__pwned = 1</script><b id="injected">bold</b>'


def test_every_value_is_escaped(browser, schemas_copy, tmp_path):
    """Text from the schemas, codelists, catalogue, rules and changelog is shown, never run."""
    import csv
    import json

    from selenium.webdriver.common.by import By

    root = schemas_copy.parent
    path = schemas_copy / "tables" / "cases.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["description"] = HOSTILE
    schema["fields"][0]["example"] = '" onmouseover="window.__pwned = 2'
    path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    cl = schemas_copy / "codelists" / "case_status.csv"
    with open(cl, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[0]["zh"] = '<img src="x" onerror="window.__pwned = 3">'
    with open(cl, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    cat_path = schemas_copy / "indicators.json"
    cat = json.loads(cat_path.read_text(encoding="utf-8"))
    cat["indicators"][0]["formula"] = "</code><script>window.__pwned = 4</script>"
    cat_path.write_text(json.dumps(cat, ensure_ascii=False), encoding="utf-8")
    (root / "validators").mkdir()
    (root / "validators" / "cases.yaml").write_text(
        "table: cases\nrules:\n  - code: TEST_RULE\n    severity: WARNING\n    kind: test\n"
        "    message: {zh: '<script>window.__pwned = 5</script>', en: plain}\n", encoding="utf-8")
    changelog = root / "CHANGELOG.md"
    changelog.write_text("## [1.0.0] - 2026-01-01\n\n<script>window.__pwned = 6</script>\n\n[x](javascript:window.__pwned=7)\n",
                         encoding="utf-8")
    site = tmp_path / "site"
    build_docs(open_standard(root), site, changelog)

    for rel in ("index.html", "tables/cases.html", "codelists/case_status.html", "indicators.html", "rules.html",
                "changelog.html"):
        browser.get((site / rel).as_uri())
        for link in browser.find_elements(By.TAG_NAME, "a"):
            if (link.get_attribute("href") or "").startswith("javascript"):
                pytest.fail(f"{rel}: javascript link rendered")
        assert browser.execute_script("return typeof window.__pwned") == "undefined", rel
        assert not browser.find_elements(By.ID, "injected"), rel
    browser.get((site / "tables" / "cases.html").as_uri())
    body = browser.find_element(By.TAG_NAME, "body").text
    assert HOSTILE in body, "the hostile text is shown literally"
    assert "TEST_RULE" in body, "rules of the table are on its page"
    browser.get((site / "rules.html").as_uri())
    assert "<script>window.__pwned = 5</script>" in browser.find_element(By.TAG_NAME, "body").text


def test_docs_command_refuses_to_overwrite_other_folders(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep", encoding="utf-8")
    result = runner.invoke(app, ["docs", "-o", str(folder)])
    assert result.exit_code == 2 and "not overwriting" in result.output
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep"
    site = tmp_path / "site"
    assert runner.invoke(app, ["docs", "-o", str(site)]).exit_code == 0
    assert runner.invoke(app, ["docs", "-o", str(site)]).exit_code == 0, "a generated site is regenerated"
