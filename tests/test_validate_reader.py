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


# ---------------------------------------------------------------- large files, read in batches


def _batched(text: str, size: int) -> list[tuple]:
    src = Source(data=text.encode("utf-8"))
    rows = []
    for k, parsed in enumerate(reading.stream_csv(src, ",", '"', batch_bytes=size)):
        assert (parsed.labels is not None) == (k == 0)
        rows += _cells(parsed)[0 if k == 0 else 1:]
    return rows


@pytest.mark.parametrize("name", list(TEXTS))
@pytest.mark.parametrize("size", [1, 2, 3, 7, 16, 1 << 20])
def test_batches_hold_the_same_records_as_one_parse(name, size):
    """Batches end only between records (never inside a quoted line break): together they give
    the records, cells and cell counts of one parse of the whole file."""
    text = TEXTS[name]
    assert _batched(text, size) == _cells(parse_csv(Source(data=text.encode("utf-8"))))


@pytest.mark.parametrize("name", list(ODD))
def test_content_that_is_not_plain_csv_is_not_read_in_batches(name):
    with pytest.raises(reading.NotStreamable):
        _batched(ODD[name], 4)


def test_a_batch_of_bad_bytes_is_not_read_in_batches():
    data = "a,b\n1,2\n3,4\n".encode() + "道路,5\n".encode("gbk")
    with pytest.raises(reading.NotStreamable):
        list(reading.stream_csv(Source(data=data), ",", '"', batch_bytes=4))


def _findings(report) -> list[tuple]:
    return sorted((f.code, f.resource, f.row, f.field, f.value, f.message_en) for f in report.findings)


def _groups(report) -> list[tuple]:
    return sorted((g.code, g.resource, g.field, g.count) for g in report.groups)


def test_broken_corpus_gives_the_same_findings_in_batches(standard, tmp_path, monkeypatch):
    """Every case of the broken corpus (ragged rows, blank rows, quoted line breaks, BOM, GBK,
    stray quotes, repeated keys …) read in batches of a few hundred bytes, with rows of later
    batches numbered as in the file, gives exactly the findings of the whole-file read."""
    import broken_corpus as corpus

    import jiceng

    compared = 0
    batches = []
    real = reading._parse_batch
    monkeypatch.setattr(reading, "_parse_batch", lambda *a, **k: batches.append(1) or real(*a, **k))
    for case in corpus.cases(standard):
        pkg = corpus.build(case, tmp_path / case.name, standard)
        monkeypatch.setattr(reading, "BATCH_BYTES", 1 << 30)
        whole = jiceng.validate(pkg, max_per_group=None)
        monkeypatch.setattr(reading, "BATCH_BYTES", 200)
        batched = jiceng.validate(pkg, max_per_group=None)
        assert _findings(batched) == _findings(whole), case.name
        assert _groups(batched) == _groups(whole), case.name
        compared += 1
    assert compared >= 20 and len(batches) > 50


def _many_rows(std, n: int, damaged: dict) -> str:
    import broken_corpus as corpus

    names = std.field_names("cases")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(names)
    for i in range(n):
        row = corpus.valid_row(std, "cases", i)
        assert set(damaged.get(i, {})) <= set(names)
        row.update(damaged.get(i, {}))
        w.writerow([row.get(k, "") for k in names])
    return buf.getvalue()


def test_findings_of_later_batches_name_the_rows_of_the_file(standard, tmp_path, monkeypatch):
    """Errors, repeated keys across batches (first seen in an earlier batch), a quoted line break
    and a personal number deep in the file: the same rows as read whole, and the same listing
    when each kind is cut at a few findings."""
    import broken_corpus as corpus

    import jiceng

    first = corpus.valid_row(standard, "cases", 3)["case_id"]
    damaged = {40: {"case_id": first}, 77: {"category": "not_a_code"}, 120: {"category": "两行\n文字"},
               150: {"meeting_id": "13912345678"}, 151: {"case_id": first}}
    damaged.update({i: {"reported_date": "2022/1/1"} for i in range(160, 190)})
    case = corpus.Case("many", dict(corpus.base_tables(standard), cases=_many_rows(standard, 200, damaged)), set())
    pkg = corpus.build(case, tmp_path / "many", standard)
    assert (pkg / "data" / "cases.csv").stat().st_size > 20 * 512
    reports = []
    batches = []
    real = reading._parse_batch
    monkeypatch.setattr(reading, "_parse_batch", lambda *a, **k: batches.append(1) or real(*a, **k))
    for size in (1 << 30, 512):
        monkeypatch.setattr(reading, "BATCH_BYTES", size)
        reports.append(jiceng.validate(pkg, max_per_group=5))
    assert len(batches) > 20  # (only the second run reads in batches)
    whole, batched = reports
    assert _findings(batched) == _findings(whole)
    assert _groups(batched) == _groups(whole)
    dup = [f.row for f in whole.findings if f.code == "PRIMARY_KEY_DUPLICATE"]
    assert dup == [42, 153]
    assert whole.count("TYPE_ERROR") == 30 and [f.row for f in whole.by_code("TYPE_ERROR")] == list(range(162, 167))
    assert [f.row for f in whole.by_code("PRIVACY_MOBILE_NUMBER")] == [152]
    assert 122 in {f.row for f in whole.findings if f.field == "category"}  # the quoted line break


def test_read_ahead_keeps_order_errors_and_stops():
    """The batch read ahead in a thread: items in order, the reader's error raised where it
    happened (after the items before it), and a caller that stops early stops the reader."""
    from jiceng.validation.batches import prefetched

    assert list(prefetched(iter(range(50)))) == list(range(50))

    def failing():
        yield 1
        yield 2
        raise reading.NotStreamable()

    got = []
    with pytest.raises(reading.NotStreamable):
        for item in prefetched(failing()):
            got.append(item)
    assert got == [1, 2]

    closed = []

    def endless():
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            closed.append(True)

    for item in prefetched(endless()):
        if item == 3:
            break
    assert closed == [True]


def test_load_of_a_table_read_in_batches_gives_the_same_frames(standard, tmp_path, monkeypatch):
    """jiceng.load reuses the validator's frames: a file read in batches gives the same frames,
    every column and value, as one read whole (the text of every column is kept for loading)."""
    import broken_corpus as corpus

    import jiceng

    damaged = {170: {"hours_to_close": "12"}, 171: {"resident_rating": "5"}}
    case = corpus.Case("load", dict(corpus.base_tables(standard), cases=_many_rows(standard, 200, damaged)), set())
    pkg = corpus.build(case, tmp_path / "load", standard)
    frames = []
    for size in (1 << 30, 512):
        monkeypatch.setattr(reading, "BATCH_BYTES", size)
        frames.append(jiceng.load(pkg, validate=True, engine="polars").tables["cases"])
    whole, batched = frames
    assert batched.columns == whole.columns and batched.equals(whole)
    assert batched.height == 200 and batched.get_column("hours_to_close").to_list()[170] == 12
