"""jieba's part-of-speech tagger (`jieba.posseg.cut`, hidden Markov model on) reading only the
dictionary entries the text in hand needs.

Importing `jieba.posseg` loads jieba's whole dictionary twice (the prefix dictionary of
`jieba.initialize` and the tag table of `posseg`): about two seconds, paid by every validation
whose data holds a surname character followed by another Chinese character. Here jieba's own
files are read directly: `dict.txt` into a sorted polars table (a few hundredths of a second),
looked up in batches for the fragments a text needs, and the tagger's model tables
(`posseg/char_state_tab.py`, `prob_*.py`, `viterbi.py`) only when a text needs the hidden
Markov model. The segmentation, the tags and the model are jieba's; `cut` gives what
`jieba.posseg.cut` gives with the default dictionary, word for word and tag for tag
(tests/test_validate_privacy.py compares both on the labelled sentences, the example packages
and random text).

An entry of the dictionary is a word, its frequency and its tag, and every prefix of a word is
known with frequency 0 (jieba's prefix dictionary). A fragment's entry is found directly in the
sorted words (a word, or the first word not before it starts with it), so no answer depends on
which fragments were looked up before.
"""
from __future__ import annotations

import importlib.util
import math
import re
import threading
from pathlib import Path

# jieba.posseg's expressions, unchanged
_RE_HAN_DETAIL = re.compile("([\u4E00-\u9FD5]+)")
_RE_SKIP_DETAIL = re.compile(r"([\.0-9]+|[a-zA-Z0-9]+)")
_RE_HAN_INTERNAL = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._]+)")
_RE_SKIP_INTERNAL = re.compile(r"(\r\n|\s)")
_RE_ENG = re.compile("[a-zA-Z0-9]+")
_RE_NUM = re.compile(r"[\.0-9]+")

_SENTINEL = "\U0010ffff"  # sorts after every fragment: a search never runs off the end
_MAX_KNOWN = 2_000_000  # fragments remembered before the memory is cleared


def _jieba_dir() -> Path:
    spec = importlib.util.find_spec("jieba")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("jieba is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _module(path: Path, name: str):
    """A module of jieba's loaded from its file, without running jieba's package initialisation
    (which would load the whole dictionary)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Lexicon:
    """jieba's default dictionary (`dict.txt`) as a sorted polars table, looked up in batches."""

    def __init__(self, path: Path):
        import polars as pl

        table = pl.read_csv(path, separator=" ", has_header=False, quote_char=None, encoding="utf8",
                            new_columns=["word", "freq", "tag"],
                            schema={"word": pl.String, "freq": pl.Int64, "tag": pl.String})
        self.total = int(table["freq"].sum())  # jieba sums every line, a repeated word's too
        # A word listed twice keeps its last line (as in jieba's dictionaries): a stable sort, then
        # the last of each run of equal words.
        table = table.sort("word", maintain_order=True)
        table = table.filter(pl.col("word") != pl.col("word").shift(-1).fill_null(_SENTINEL))
        sentinel = pl.DataFrame({"word": [_SENTINEL], "freq": [0], "tag": [None]},
                                schema={"word": pl.String, "freq": pl.Int64, "tag": pl.String})
        table = pl.concat([table.select("word", "freq", "tag"), sentinel])
        self._words, self._freqs, self._tags = table["word"], table["freq"], table["tag"]
        self._known: dict[str, tuple[bool, int, str | None]] = {}
        self._lock = threading.Lock()

    def resolve(self, fragments) -> dict[str, tuple[bool, int, str | None]]:
        """Look up every fragment not yet known, in one batch; their entries."""
        import polars as pl

        missing = [f for f in set(fragments) if f not in self._known]
        if not missing:
            return {}
        q = pl.Series("q", missing, dtype=pl.String)
        at = self._words.search_sorted(q, side="left")
        found = self._words.gather(at)
        exact = (found == q).to_list()
        prefix = found.str.starts_with(q).to_list()  # the fragment begins a word (or is one)
        freqs = self._freqs.gather(at).to_list()
        tags = self._tags.gather(at).to_list()
        got = {f: (True, fr, t) if e else (bool(p), 0, None) for f, e, p, fr, t in zip(missing, exact, prefix, freqs, tags)}
        with self._lock:
            if len(self._known) + len(got) > _MAX_KNOWN:
                self._known.clear()
            self._known.update(got)
        return got

    def entry(self, fragment: str) -> tuple[bool, int, str | None]:
        """(in jieba's prefix dictionary, frequency or 0, tag or None)."""
        got = self._known.get(fragment)
        if got is None:
            got = self.resolve([fragment]).get(fragment) or self._known[fragment]
        return got

    def freq(self, word: str) -> int:
        """jieba.dt.FREQ.get(word, 0)."""
        return self.entry(word)[1] if word else 0

    def tag(self, word: str) -> str | None:
        """jieba.posseg.dt.word_tag_tab.get(word)."""
        return self.entry(word)[2] if word else None

    def prepare(self, blocks) -> None:
        """Look up, a length at a time, every fragment jieba's DAG asks for in these blocks of
        Chinese characters: the fragments starting at each position, longer while the shorter
        one begins a word."""
        active = [(b, k) for b in set(blocks) for k in range(len(b))]
        size = 1
        while active:
            self.resolve({b[k:k + size] for b, k in active})
            entry = self.entry
            active = [(b, k) for b, k in active if k + size < len(b) and entry(b[k:k + size])[0]]
            size += 1


_lexicon: Lexicon | None = None
_model = None
_load_lock = threading.Lock()


def lexicon() -> Lexicon:
    global _lexicon
    if _lexicon is None:
        with _load_lock:
            if _lexicon is None:
                _lexicon = Lexicon(_jieba_dir() / "dict.txt")
    return _lexicon


def _hmm():
    """(viterbi, char_state_tab, start, trans, emit): jieba.posseg's model, from its files."""
    global _model
    if _model is None:
        with _load_lock:
            if _model is None:
                folder = _jieba_dir() / "posseg"
                tables = [_module(folder / f"{n}.py", f"jiceng._jieba_posseg_{n}").P
                          for n in ("char_state_tab", "prob_start", "prob_trans", "prob_emit")]
                viterbi = _module(folder / "viterbi.py", "jiceng._jieba_posseg_viterbi").viterbi
                _model = (viterbi, *tables)
    return _model


def _dag(lex: Lexicon, sentence: str, look_up: bool = False) -> dict[int, list[int]] | None:
    """jieba.Tokenizer.get_DAG; None when a fragment has not been looked up yet (unless `look_up`)."""
    known = lex._known
    dag = {}
    n = len(sentence)
    for k in range(n):
        ends = []
        i = k
        frag = sentence[k]
        while i < n:
            got = known.get(frag)
            if got is None:
                if not look_up:
                    return None
                got = lex.entry(frag)
            if not got[0]:
                break
            if got[1]:
                ends.append(i)
            i += 1
            frag = sentence[k:i + 1]
        if not ends:
            ends.append(k)
        dag[k] = ends
    return dag


def _route(lex: Lexicon, sentence: str, dag: dict[int, list[int]]) -> dict[int, tuple[float, int]]:
    """jieba.Tokenizer.calc."""
    n = len(sentence)
    route = {n: (0, 0)}
    logtotal = math.log(lex.total)
    known, log, entry = lex._known, math.log, lex.entry
    for idx in range(n - 1, -1, -1):
        route[idx] = max((log((known.get(sentence[idx:x + 1]) or entry(sentence[idx:x + 1]))[1] or 1)
                          - logtotal + route[x + 1][0], x) for x in dag[idx])
    return route


def _word_freq(lex: Lexicon, word: str) -> int:
    """jieba.dt.FREQ.get(word, 0) for a fragment of a prepared block: when the DAG stopped at a
    shorter fragment that begins no word, the fragment is no word either (every prefix of a word
    is in the prefix dictionary)."""
    got = lex._known.get(word)
    if got is not None:
        return got[1]
    for size in range(1, len(word)):
        got = lex._known.get(word[:size])
        if got is None:
            break
        if not got[0]:
            return 0
    return lex.freq(word)


def _cut_hmm(sentence: str):
    """jieba.posseg.POSTokenizer.__cut."""
    viterbi, states, start_p, trans_p, emit_p = _hmm()
    _, pos_list = viterbi(sentence, states, start_p, trans_p, emit_p)
    begin, nexti = 0, 0
    for i, char in enumerate(sentence):
        pos = pos_list[i][0]
        if pos == "B":
            begin = i
        elif pos == "E":
            yield sentence[begin:i + 1], pos_list[i][1]
            nexti = i + 1
        elif pos == "S":
            yield char, pos_list[i][1]
            nexti = i + 1
    if nexti < len(sentence):
        yield sentence[nexti:], pos_list[nexti][1]


def _cut_detail(sentence: str):
    """jieba.posseg.POSTokenizer.__cut_detail."""
    for blk in _RE_HAN_DETAIL.split(sentence):
        if _RE_HAN_DETAIL.match(blk):
            yield from _cut_hmm(blk)
        else:
            for x in _RE_SKIP_DETAIL.split(blk):
                if x:
                    if _RE_NUM.match(x):
                        yield x, "m"
                    elif _RE_ENG.match(x):
                        yield x, "eng"
                    else:
                        yield x, "x"


def _cut_dag(lex: Lexicon, sentence: str):
    """jieba.posseg.POSTokenizer.__cut_DAG."""
    dag = _dag(lex, sentence)
    if dag is None:  # not prepared: look the block up in batches first
        lex.prepare([sentence])
        dag = _dag(lex, sentence)
        if dag is None:  # (the memory was cleared meanwhile: one fragment at a time)
            dag = _dag(lex, sentence, look_up=True)
    route = _route(lex, sentence, dag)
    tag = lex.tag

    def flush(buf):
        if len(buf) == 1:
            yield buf, tag(buf) or "x"
        elif not _word_freq(lex, buf):
            yield from _cut_detail(buf)
        else:
            for elem in buf:
                yield elem, tag(elem) or "x"

    x, buf, n = 0, "", len(sentence)
    while x < n:
        y = route[x][1] + 1
        word = sentence[x:y]
        if y - x == 1:
            buf += word
        else:
            if buf:
                yield from flush(buf)
                buf = ""
            yield word, tag(word) or "x"
        x = y
    if buf:
        yield from flush(buf)


def blocks(text: str) -> list[str]:
    """The pieces of `text` jieba segments with its dictionary."""
    return [b for b in _RE_HAN_INTERNAL.split(text) if b and _RE_HAN_INTERNAL.match(b)]


def prepare(texts) -> None:
    """Look up in one batch per fragment length what tagging these texts needs."""
    lex = lexicon()
    lex.prepare(b for t in texts for b in blocks(t))


def cut(text: str) -> list[tuple[str, str]]:
    """(word, tag) for every token of `text`, as `jieba.posseg.cut(text)` gives them."""
    lex = lexicon()
    out: list[tuple[str, str]] = []
    for blk in _RE_HAN_INTERNAL.split(text):
        if _RE_HAN_INTERNAL.match(blk):
            out.extend(_cut_dag(lex, blk))
        else:
            for x in _RE_SKIP_INTERNAL.split(blk):
                if _RE_SKIP_INTERNAL.match(x):
                    out.append((x, "x"))
                else:
                    for xx in x:
                        if _RE_NUM.match(xx):
                            out.append((xx, "m"))
                        elif _RE_ENG.match(x):  # (x, not xx: as jieba has it)
                            out.append((xx, "eng"))
                        else:
                            out.append((xx, "x"))
    return out
