"""The CSV reader: one polars parse with cell counts from the bytes, and Python's csv module for
content that is not plain CSV. Both must give the same records, cells and counts."""
from __future__ import annotations

import csv
import io

import polars as pl
import pytest

from jiceng.validation import reading
from jiceng.validation.reading import Source, count_cells, parse_csv

TEXTS = {
    "plain": "a,b,c\n1,2,3\n4,5,6\n",
    "no_final_newline": "a,b,c\n1,2,3\n4,5,6",
    "ragged": "a,b,c\n1,2\n1,2,3,4\n1,2,\n1,2,3,\n,,\n",
    "blank_lines": "a,b,c\n\n1,2,3\n\n\n4,5,6\n\n",
    "quoted": 'a,b,c\n"x,y","",z\n"say ""hi""",2,"3"\n',
    "quote_all": '"a","b","c"\n"1","","3"\n"","",""\n',
    "quoted_newline": 'a,b,c\n"two\nlines",2,3\n"x\r\ny",5,6\n',
    "crlf": "a,b,c\r\n1,2,3\r\n\r\n4,5\r\n",
    "bom": "\ufeffa,b,c\n1,2,3\n",
    "bom_quoted": '\ufeff"a","b","c"\n"1","2","3"\n',
    "delimiters_in_text": 'a,b,c\n"x;y|z\tw",2,3\n',
    "unicode": "名称,b,c\n道路;维修,２,三\n",
}
ODD = {  # not plain CSV: Python's csv module decides
    "quote_inside_cell": 'a,b,c\nx"y,2,3\n',
    "text_after_closing_quote": 'a,b,c\n"x"y,2,3\n',
    "lone_cr": "a,b,c\r1,2,3\r",
    "unclosed_quote": 'a,b,c\n"x,2,3\n',
}


def _python(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def _cells(parsed) -> list[tuple]:
    rows = []
    for i, row in enumerate(parsed.cells.rows()):
        n = int(parsed.n_cells[i])
        rows.append(tuple("" if v is None else v for v in row[:n]))
    return [tuple(parsed.labels or [])] + rows


@pytest.mark.parametrize("name", list(TEXTS))
@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 1 << 20])
def test_cell_counts_match_pythons_csv_at_any_chunk_size(name, chunk):
    text = TEXTS[name]
    counts = count_cells(Source(data=text.encode("utf-8")), ",", '"', chunk=chunk)
    assert counts is not None
    assert counts.tolist() == [len(r) for r in _python(text)]


@pytest.mark.parametrize("name", list(ODD))
def test_content_that_is_not_plain_csv_is_left_to_python(name):
    assert count_cells(Source(data=ODD[name].encode("utf-8")), ",", '"', chunk=3) is None


@pytest.mark.parametrize("name", list(TEXTS) + list(ODD))
def test_fast_and_exact_readers_agree(name):
    text = {**TEXTS, **ODD}[name]
    src = Source(data=text.encode("utf-8"))
    try:
        exact = reading._parse_python(src, ",", '"')
    except reading.ResourceError:
        pytest.skip("malformed for Python's csv module too")
    fast = parse_csv(src)
    assert fast.method == ("python" if name in ODD else "polars")
    assert _cells(fast) == _cells(exact)
    assert [tuple(r) for r in _python(text)] == [tuple(x.strip() for x in _cells(exact)[0])] + _cells(exact)[1:]


def test_quoted_empty_cell_is_missing_in_both_readers():
    text = 'a,b\n"","x"\n,y\n'
    for parsed in (parse_csv(Source(data=text.encode())), reading._parse_python(Source(data=text.encode()), ",", '"')):
        assert parsed.cells.get_column("0").to_list() == [None, None]
        assert parsed.n_cells.to_list() == [2, 2]


def test_huge_cells_are_read(tmp_path):
    """No 'field larger than field limit', in either reader."""
    big = "x" * 300_000
    for text in (f"a,b\n{big},1\n", f'a,b\n"{big}\n{big}",1\n'):
        parsed = parse_csv(Source(data=text.encode()))
        assert parsed.cells.get_column("0").str.len_chars().to_list()[0] >= 300_000


def test_bad_bytes_fall_back_to_the_encodings(tmp_path):
    data = "a,b\n道路,1\n".encode("gbk")
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    parsed, encoding = reading.read_table(Source(path=path))
    assert encoding == "gbk" and parsed.cells.get_column("0").to_list() == ["道路"]


def test_one_parse_per_file(monkeypatch, tmp_path):
    """polars reads each file once (no separate pass over its lines)."""
    calls = []
    real = pl.read_csv
    monkeypatch.setattr(pl, "read_csv", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setattr(pl, "read_lines", lambda *a, **k: calls.append("lines") or None, raising=False)
    path = tmp_path / "t.csv"
    path.write_text(TEXTS["ragged"], encoding="utf-8")
    parse_csv(Source(path=path))
    assert calls == [1]
