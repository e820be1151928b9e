"""`jiceng schema check`: the standard's own conventions, checked on schemas/.

Every table, field, codelist, code and indicator carries a Chinese and an English title and
description; a field's enum equals its closed codelist; keys point at tables and fields that
exist; no field can hold a person's name, ID number, phone number or address.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .standard import CATALOGUE_CODELIST, Standard

SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_+.\-]*$")
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
# Field names that would carry personal data the standard never publishes.
PERSONAL_FIELD = re.compile(r"(phone|mobile|tel(ephone)?$|id_card|id_number|identity|citizen_id|address|person_name|full_name|surname|birth)")
def _personal_field(name, *titles):
    """Names and titles denoting personal data (姓名, 身份证, 电话, 住址, handler_name …): jiceng.privacy."""
    from .privacy import personal_field

    return personal_field(name, *[t for t in titles if isinstance(t, str)])


# Virtual table the indicator engine builds from survey_answers and survey_counts.
VIRTUAL_TABLES = {"survey_responses": ["survey_id", "question_code", "response", "count"],
                  # jiceng.indicators: one row per meeting, participants and women from its participation rows, else its own counts
                  "meeting_headcounts": ["meeting_id", "locality_id", "grid_id", "meeting_date", "period", "participants", "women"]}


@dataclass(frozen=True)
class Problem:
    code: str
    where: str
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        return f"[{self.code}] {self.where}: {self.message_zh} / {self.message_en}"


def _text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _bilingual(obj: dict, where: str, out: list[Problem]) -> None:
    zh = obj.get("zh") if isinstance(obj.get("zh"), dict) else {}
    for key in ("title", "description"):
        if not _text(obj.get(key)):
            out.append(Problem("missing-en", where, f"缺少英文 {key}", f"missing or empty English {key}"))
        if not _text(zh.get(key)):
            out.append(Problem("missing-zh", where, f"缺少中文 zh.{key}", f"missing or empty Chinese zh.{key}"))


def check(std: Standard) -> list[Problem]:
    out: list[Problem] = []
    if not SEMVER.match(str(std.info.get("version", ""))):
        out.append(Problem("bad-version", "standard.json", "版本号不是语义化版本", "version is not semver"))
    _bilingual(std.info, "standard.json", out)

    codelists = std.codelists
    for name, cl in codelists.items():
        if name == CATALOGUE_CODELIST:
            continue
        _bilingual(cl.meta, f"codelist {name}", out)
        if "closed" not in cl.meta:
            out.append(Problem("codelist-open-closed", f"codelist {name}", "未声明开放或封闭", "open or closed not declared"))
        seen = set()
        for i, row in enumerate(cl.rows, start=2):
            where = f"codelist {name} row {i}"
            code = row.get("code") or ""
            if not CODE.match(code):
                out.append(Problem("bad-code", where, f"代码 {code!r} 不是稳定的ASCII代码", f"code {code!r} is not stable ASCII"))
            if code in seen:
                out.append(Problem("duplicate-code", where, f"代码 {code!r} 重复", f"duplicate code {code!r}"))
            seen.add(code)
            for col in ("zh", "en", "description_zh", "description_en"):
                if not _text(row.get(col)):
                    out.append(Problem("missing-translation", where, f"列 {col} 为空", f"column {col} is missing or empty"))
        for col in ("zh", "en"):  # a clerk types a label and the importer needs one code for it
            labels = [r.get(col) for r in cl.rows if _text(r.get(col))]
            for label in sorted({x for x in labels if labels.count(x) > 1}):
                out.append(Problem("duplicate-label", f"codelist {name}", f"标签 {label!r} 对应多个代码",
                                   f"label {label!r} belongs to several codes"))

    for ind in std.catalogue:
        where = f"indicator {ind.get('code')}"
        _bilingual(ind, where, out)
        if not _text(ind.get("formula")) or not _text((ind.get("zh") or {}).get("formula")):
            out.append(Problem("missing-formula", where, "缺少中英文公式", "missing Chinese or English formula"))
        if ind.get("unit") not in codelists["unit"].codes:
            out.append(Problem("bad-unit", where, f"单位 {ind.get('unit')!r} 不在单位代码表", f"unit {ind.get('unit')!r} is not in codelist unit"))
        for part in ("numerator", "denominator"):
            term = (ind.get("computation") or {}).get(part)
            if term:
                _check_term(std, term, f"{where} {part}", out)
        _check_period_rule(std, ind, where, out)

    tables = std.tables
    for tname, schema in tables.items():
        where = f"table {tname}"
        _bilingual(schema, where, out)
        if schema.get("name") != tname:
            out.append(Problem("table-name", where, "name 与文件名不一致", "name differs from the file name"))
        names = [f.get("name") for f in schema.get("fields", [])]
        titles = [(f.get("zh") or {}).get("title") for f in schema.get("fields", []) if isinstance(f.get("zh"), dict)]
        for title in sorted({t for t in titles if t and titles.count(t) > 1}):  # workbook headers are these titles
            out.append(Problem("duplicate-title", where, f"多个字段的中文标题都是 {title!r}", f"several fields are titled {title!r}"))
        for f in schema.get("fields", []):
            fwhere = f"{where} field {f.get('name')}"
            _bilingual(f, fwhere, out)
            fname = f.get("name") or ""
            if not SNAKE.match(fname):
                out.append(Problem("field-name", fwhere, "字段名不是英文 snake_case", "field name is not English snake_case"))
            if PERSONAL_FIELD.search(fname) or _personal_field(fname, f.get("title"), (f.get("zh") or {}).get("title")):
                out.append(Problem("personal-field", fwhere, "字段名表明会发布个人信息", "field name implies personal data"))
            enum = (f.get("constraints") or {}).get("enum")
            cname = f.get("codelist")
            if cname is None:
                if enum is not None:
                    out.append(Problem("enum-without-codelist", fwhere, "有 enum 但未关联代码表", "enum without a codelist"))
                continue
            cl = codelists.get(cname)
            if cl is None:
                out.append(Problem("unknown-codelist", fwhere, f"代码表 {cname} 不存在", f"codelist {cname} does not exist"))
            elif cl.closed and (enum is None or list(enum) != cl.codes):
                out.append(Problem("enum-codelist-mismatch", fwhere, f"enum 与封闭代码表 {cname} 不一致", f"enum differs from closed codelist {cname}"))
            elif not cl.closed and enum is not None:
                out.append(Problem("enum-codelist-mismatch", fwhere, f"开放代码表 {cname} 的字段不应有 enum", f"field of open codelist {cname} must not have an enum"))
        for k in schema.get("primaryKey", []):
            if k not in names:
                out.append(Problem("bad-primary-key", where, f"主键字段 {k} 不存在", f"primary key field {k} does not exist"))
        for fk in schema.get("foreignKeys", []):
            for k in fk.get("fields", []):
                if k not in names:
                    out.append(Problem("bad-foreign-key", where, f"外键字段 {k} 不存在", f"foreign key field {k} does not exist"))
            ref = fk.get("reference", {})
            target = ref.get("resource") or tname
            if target not in tables:
                out.append(Problem("dangling-foreign-key", where, f"外键指向不存在的表 {target}", f"foreign key to missing table {target}"))
                continue
            tnames = [f["name"] for f in tables[target]["fields"]]
            for k in ref.get("fields", []):
                if k not in tnames:
                    out.append(Problem("dangling-foreign-key", where, f"外键指向不存在的字段 {target}.{k}", f"foreign key to missing field {target}.{k}"))

    listed = ((std.profile.get("properties", {}).get("resources", {}).get("items", {}).get("properties", {}).get("name", {})).get("enum"))
    if listed is not None and sorted(listed) != sorted(tables):
        out.append(Problem("profile-tables", "datapackage.profile.json", "资源名称列表与 tables/ 不一致", "resource name list differs from tables/"))
    _check_dimensions(std, out)
    _check_deprecations(std, out)
    _check_rules(std, out)
    _check_migrations(std, out)
    return out


def _check_dimensions(std: Standard, out: list[Problem]) -> None:
    """A catalogue entry's `dimensions` are columns of the indicators table that carry a codelist."""
    if "indicators" not in std.tables:
        return
    columns = {f["name"]: f for f in std.fields("indicators")}
    for ind in std.catalogue:
        for dim in ind.get("dimensions") or []:
            if dim not in columns or not columns[dim].get("codelist"):
                out.append(Problem("bad-dimension", f"indicator {ind.get('code')}", f"维度 {dim} 不是指标表中带代码表的列",
                                   f"dimension {dim} is not a column of the indicators table with a codelist"))


def _check_rules(std: Standard, out: list[Problem]) -> None:
    """validators/: each rule well formed (severity, kind, translations, both examples, unique code,
    tables, fields and codes that exist), and each example failing or passing as it says."""
    if not std.rules_dir.is_dir():
        return
    from .validation.rules import load_rules, run_example

    rules, problems = load_rules(std)
    for where, zh, en in problems:
        out.append(Problem("bad-rule", f"validators/{where}", zh, en))
    for rule in rules:
        where = f"validators/{rule.source} {rule.code}"
        for column, code in _rule_codes(rule.params):
            fdef = next((f for f in std.fields(rule.table) if f["name"] == column), None)
            cl = std.codelists.get((fdef or {}).get("codelist") or "")
            if cl is not None and cl.closed and str(code) not in cl.codes:
                out.append(Problem("bad-rule", where, f"{column} 的代码 {code!r} 不在代码表 {cl.name} 中",
                                   f"code {code!r} of {column} is not in codelist {cl.name}"))
        try:
            failing = [f for f in run_example(std, rule, "fail") if f.code == rule.code]
            passing = [f for f in run_example(std, rule, "pass") if f.code == rule.code]
        except Exception as exc:  # a broken example is a problem of the rule, reported, never a crash
            out.append(Problem("bad-rule-example", where, f"示例无法运行:{type(exc).__name__}", f"examples cannot be run: {type(exc).__name__}"))
            continue
        if not failing:
            out.append(Problem("bad-rule-example", where, "不通过的示例没有触发规则", "the failing example does not fail"))
        if passing:
            out.append(Problem("bad-rule-example", where, "通过的示例触发了规则", "the passing example fails"))


def _rule_codes(params) -> list[tuple[str, object]]:
    """(column, code) pairs named in `when`/`require` tests (in, not_in, empty_or_in, eq, ne)."""
    pairs = []
    for key in ("when", "require"):
        tests = params.get(key) if isinstance(params, dict) else None
        for column, test in (tests or {}).items() if isinstance(tests, dict) else []:
            for op, value in (test or {}).items() if isinstance(test, dict) else []:
                if op in ("in", "not_in", "empty_or_in") and isinstance(value, list):
                    pairs += [(column, v) for v in value]
                elif op in ("eq", "ne") and isinstance(value, str):
                    pairs.append((column, value))
    return pairs


def _check_migrations(std: Standard, out: list[Problem]) -> None:
    """schemas/migrations/: each file readable with known operations; a migration to the current
    version only names tables, fields and codes that exist in it."""
    folder = std.schemas_dir / "migrations"
    if not folder.is_dir():
        return
    from .review import ReviewError
    from .review.diff import parse_version
    from .review.migrate import load_migration

    for path in sorted(folder.glob("*.yaml")):
        where = f"migrations/{path.name}"
        try:
            spec = load_migration(path)
            if parse_version(str(spec["to"])) > parse_version(std.version):
                out.append(Problem("bad-migration", where, f"目标版本 {spec['to']} 高于标准版本 {std.version}",
                                   f"target {spec['to']} is above the standard's version {std.version}"))
        except ReviewError as exc:
            out.append(Problem("bad-migration", where, exc.message_zh, exc.message_en))
            continue
        if str(spec["to"]) != std.version:
            continue
        for i, step in enumerate(spec.get("steps") or [], start=1):
            for zh, en in _step_problems(std, step):
                out.append(Problem("bad-migration", f"{where} step {i}", zh, en))


def _step_problems(std: Standard, step: dict) -> list[tuple[str, str]]:
    op, problems = step.get("op"), []
    table = step.get("to") if op == "rename_table" else step.get("table")

    def need_field(name):
        if table in std.tables and name not in std.field_names(table):
            problems.append((f"字段 {table}.{name} 不在新版本中", f"field {table}.{name} is not in the new version"))

    if op != "map_codes" or "table" in step:
        if table is not None and table not in std.tables:
            problems.append((f"表 {table} 不在新版本中", f"table {table} is not in the new version"))
    if op == "rename_field":
        need_field(step.get("to"))
    elif op == "split_field":
        for name in step.get("into") or []:
            need_field(name)
    elif op in ("merge_fields", "add_default"):
        need_field(step.get("into") or step.get("field"))
    elif op == "map_codes":
        cname = step.get("codelist")
        if cname is None and table in std.tables:
            fdef = next((f for f in std.fields(table) if f["name"] == step.get("field")), {})
            cname = fdef.get("codelist")
            if not fdef:
                need_field(step.get("field"))
        cl = std.codelists.get(cname or "")
        if cname and cl is None:
            problems.append((f"代码表 {cname} 不存在", f"codelist {cname} does not exist"))
        if cl is not None and cl.closed:
            for new in (step.get("map") or {}).values():
                if str(new) not in cl.codes:
                    problems.append((f"映射到的代码 {new!r} 不在代码表 {cl.name} 中", f"code {new!r} mapped to is not in codelist {cl.name}"))
    return problems


def _version(v) -> tuple[int, ...] | None:
    return tuple(int(x) for x in str(v).split(".")) if SEMVER.match(str(v or "")) else None


def _check_deprecations(std: Standard, out: list[Problem]) -> None:
    """Deprecation marks: a table's or field's `deprecated: {since, replacement?, description?, zh?}`, and a codelist's
    optional `deprecated` (version) and `replacement` (code) columns. `since` is a version not above the
    standard's; a replacement exists and is not deprecated itself."""
    current = _version(std.info.get("version"))
    for tname, schema in std.tables.items():
        dep = schema.get("deprecated")
        if dep is not None:
            since = _version(dep.get("since")) if isinstance(dep, dict) else None
            repl = dep.get("replacement") if isinstance(dep, dict) else None
            if since is None or (current and since > current) or (
                    repl is not None and (repl not in std.tables or repl == tname or std.tables[repl].get("deprecated"))):
                out.append(Problem("bad-deprecation", f"table {tname}", "表的 deprecated 须有不高于标准版本的 since,替代表须存在且未弃用",
                                   "a table's deprecated needs a since not above the standard's version and a live replacement table"))
        names = {f.get("name"): f for f in schema.get("fields", [])}
        for f in schema.get("fields", []):
            dep = f.get("deprecated")
            if dep is None:
                continue
            where = f"table {tname} field {f.get('name')}"
            since = _version(dep.get("since")) if isinstance(dep, dict) else None
            if since is None or (current and since > current):
                out.append(Problem("bad-deprecation", where, "deprecated.since 须为不高于标准版本的 x.y.z",
                                   "deprecated.since must be an x.y.z version not above the standard's"))
                continue
            repl = dep.get("replacement")
            if repl is not None and (repl not in names or repl == f.get("name") or names[repl].get("deprecated")):
                out.append(Problem("bad-deprecation", where, f"替代字段 {repl} 不存在或也已弃用",
                                   f"replacement field {repl} does not exist or is deprecated too"))
    for name, cl in std.codelists.items():
        if name == CATALOGUE_CODELIST or not cl.rows or ("deprecated" not in cl.rows[0] and "replacement" not in cl.rows[0]):
            continue
        live = {r["code"] for r in cl.rows if not (r.get("deprecated") or "").strip()}
        for i, row in enumerate(cl.rows, start=2):
            where = f"codelist {name} row {i}"
            dep, repl = (row.get("deprecated") or "").strip(), (row.get("replacement") or "").strip()
            since = _version(dep) if dep else None
            if dep and (since is None or (current and since > current)):
                out.append(Problem("bad-deprecation", where, f"deprecated 列 {dep!r} 须为不高于标准版本的 x.y.z",
                                   f"deprecated column {dep!r} must be an x.y.z version not above the standard's"))
            if repl and (not dep or repl not in live):
                out.append(Problem("bad-deprecation", where, f"替代代码 {repl!r} 须为未弃用的代码,且本代码须有 deprecated 版本",
                                   f"replacement {repl!r} must be a live code, on a code with a deprecated version"))


def _check_period_rule(std: Standard, ind: dict, where: str, out: list[Problem]) -> None:
    """Every indicator states which records count in a period (`period_rule`, jiceng.indicators applies it):
    a statement in Chinese and English, and clauses naming tables and fields that exist."""
    rule = ind.get("period_rule")
    if not isinstance(rule, dict) or not _text(rule.get("zh")) or not _text(rule.get("en")):
        out.append(Problem("missing-period-rule", where, "缺少期间规则(period_rule,中英文说明)",
                           "missing period_rule (which records count in a period, in Chinese and English)"))
        return
    for table, clause in (rule.get("tables") or {}).items():
        if table in VIRTUAL_TABLES:
            columns = VIRTUAL_TABLES[table]
        elif table in std.tables:
            columns = std.field_names(table)
        else:
            out.append(Problem("catalogue-table", f"{where} period_rule", f"期间规则引用不存在的表 {table}",
                               f"period rule uses missing table {table}"))
            continue
        if not isinstance(clause, dict):
            continue
        via = clause.get("via") or []
        target_cols = columns
        if via:
            parent = via[-1][0] if isinstance(via[-1], list) and via[-1] else None
            target_cols = std.field_names(parent) if parent in std.tables else []
        used = [clause.get("event")] if not via else []
        used += [c for c in (clause.get("active") or []) if c] + [clause.get("flag"), clause.get("within"), clause.get("period_field")]
        for col in filter(None, used):
            if col not in columns:
                out.append(Problem("catalogue-field", f"{where} period_rule", f"期间规则引用不存在的字段 {table}.{col}",
                                   f"period rule uses missing field {table}.{col}"))
        if via and clause.get("event") and clause["event"] not in target_cols:
            out.append(Problem("catalogue-field", f"{where} period_rule", f"期间规则引用不存在的字段 {clause['event']}",
                               f"period rule uses missing field {clause['event']}"))


def _check_term(std: Standard, term: dict, where: str, out: list[Problem]) -> None:
    table = term.get("table")
    if table in VIRTUAL_TABLES:
        columns = VIRTUAL_TABLES[table]
    elif table in std.tables:
        columns = std.field_names(table)
    else:
        out.append(Problem("catalogue-table", where, f"公式引用不存在的表 {table}", f"formula uses missing table {table}"))
        return
    duration = term.get("duration") or {}
    used = [term.get("column")] + list(term.get("days_between", [])) + list((term.get("where") or {}).keys()) \
        + [duration.get("hours"), *duration.get("between", []), term.get("paired"), *term.get("group_by", [])]
    for col in filter(None, used):
        if col not in columns:
            out.append(Problem("catalogue-field", where, f"公式引用不存在的字段 {table}.{col}", f"formula uses missing field {table}.{col}"))
