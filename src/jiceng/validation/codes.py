"""The validator's built-in finding codes: severity, bilingual title, and the matching
`frictionless validate` error type where there is one.

Rule codes (beyond Table Schema) live in validators/*.yaml; these are the codes of reading,
metadata, structure and privacy checks. docs/validate.md lists them from here.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    severity: str
    zh: str
    en: str
    group: str  # input | package | resource | header | row | cell | key | privacy | deprecation
    frictionless: str | None = None  # the frictionless error type reporting the same thing


_CODES = [
    # -- input that cannot be read at all (exit code 2)
    Code("INPUT_NOT_FOUND", "ERROR", "路径不存在", "the path does not exist", "input"),
    Code("INPUT_NOT_A_PACKAGE", "ERROR", "不是数据包(文件夹、datapackage.json 或 zip)",
         "not a data package (folder, datapackage.json or zip)", "input"),
    Code("DESCRIPTOR_UNREADABLE", "ERROR", "datapackage.json 无法读取或不是 JSON 对象",
         "datapackage.json cannot be read or is not a JSON object", "input"),
    Code("ZIP_UNREADABLE", "ERROR", "zip 文件损坏或无法读取", "the zip file is damaged or cannot be read", "input"),
    Code("ZIP_TOO_LARGE", "ERROR", "zip 解压后超过大小或文件数限制",
         "the zip decompresses past the size or entry-count limit", "input"),
    Code("STANDARD_UNREADABLE", "ERROR", "用于校验的标准(schemas/)无法读取", "the standard to validate against (schemas/) cannot be read", "input"),
    Code("INPUT_SPECIAL_FILE", "ERROR", "输入是特殊文件(管道、设备、套接字),未读取",
         "the input is a special file (pipe, device, socket); not read", "input"),
    Code("INTERNAL_ERROR", "ERROR", "校验器内部错误", "internal error of the validator", "input"),
    # -- the archive
    Code("ZIP_ENTRY_UNSAFE", "ERROR", "zip 中的文件路径会写到数据包文件夹之外,已跳过",
         "a zip entry would be written outside the package folder; skipped", "package"),
    # -- package metadata
    Code("METADATA_INVALID", "ERROR", "数据包元数据不符合规范", "package metadata does not follow the profile", "package"),
    Code("SCHEMA_VERSION_UNSUPPORTED", "ERROR", "数据包声明的标准版本无法识别或主版本不同",
         "the package's standard version is unknown or of another major version", "package"),
    Code("SCHEMA_VERSION_DIFFERS", "WARNING", "数据包声明的标准版本与本工具的标准版本不同",
         "the package's standard version differs from this tool's", "package"),
    Code("PACKAGE_LOCALITY_NOT_FOUND", "ERROR", "locality_id 不在地方表中", "locality_id is not a row of localities", "package"),
    Code("PACKAGE_PROVINCE_MISMATCH", "WARNING", "province_code 与 locality_id 的前两位不一致",
         "province_code differs from the first two digits of locality_id", "package"),
    Code("EXTENSION_ERROR", "ERROR", "数据包扩展无法处理", "the package's extensions could not be applied", "package"),
    Code("LOCAL_INDICATOR_INVALID", "ERROR", "数据包声明的本地指标有误(重复或维度不存在)",
         "a local indicator the package declares is wrong (declared twice, or an unknown dimension)", "package"),
    Code("RULE_DEFINITION_INVALID", "ERROR", "规则定义无效,已跳过", "a rule definition is invalid; skipped", "package"),
    Code("RULE_FAILED", "ERROR", "规则执行失败", "a rule could not be run", "package"),
    Code("CHECK_FAILED", "ERROR", "该资源的检查意外中止;其他资源已检查", "the checks of this resource stopped unexpectedly; the other resources were checked", "resource"),
    # -- resources
    Code("RESOURCE_UNKNOWN_TABLE", "ERROR", "资源名称不是标准中的表", "the resource name is not a table of the standard", "resource"),
    Code("RESOURCE_DUPLICATE", "ERROR", "同一张表出现多次", "the same table appears more than once", "resource"),
    Code("RESOURCE_PATH_INVALID", "ERROR", "资源缺少有效的 path", "the resource has no usable path", "resource"),
    Code("RESOURCE_PATH_UNSAFE", "ERROR", "资源路径为绝对路径、含 .. 或指向数据包外", "the resource path is absolute, contains .. or leaves the package", "resource"),
    Code("RESOURCE_REMOTE_REFUSED", "ERROR", "资源路径是网址;未使用 --allow-remote 时不下载",
         "the resource path is a URL; not fetched without --allow-remote", "resource"),
    Code("RESOURCE_REMOTE_FAILED", "ERROR", "无法下载远程资源", "the remote resource could not be fetched", "resource"),
    Code("RESOURCE_SPECIAL_FILE", "ERROR", "资源路径指向特殊文件(管道、设备、套接字),未读取",
         "the resource path is a special file (pipe, device, socket); not read", "resource"),
    Code("RESOURCE_FILE_MISSING", "ERROR", "资源文件不存在", "the resource file does not exist", "resource"),
    Code("RESOURCE_FORMAT_UNSUPPORTED", "ERROR", "资源不是 CSV 文件", "the resource is not a CSV file", "resource"),
    Code("RESOURCE_EMPTY", "ERROR", "资源文件为空", "the resource file is empty", "resource", "source-error"),
    Code("RESOURCE_SCHEMA_DIFFERS", "WARNING", "datapackage.json 中的表结构与标准不同;按标准校验",
         "the schema in datapackage.json differs from the standard's; validated against the standard", "resource"),
    Code("RESOURCE_SCHEMA_LOOSENED", "ERROR", "datapackage.json 中字段的定义比标准宽松或与之不符;按标准校验",
         "the schema in datapackage.json loosens or contradicts the standard's definition of a field; validated against the standard", "resource"),
    Code("ENCODING_ERROR", "ERROR", "文件无法按 UTF-8 或 GBK/GB18030 解码", "the file decodes neither as UTF-8 nor as GBK/GB18030", "resource", "encoding-error"),
    Code("ENCODING_DECLARED_MISMATCH", "WARNING", "声明的编码与文件实际编码不同", "the declared encoding differs from the file's", "resource"),
    Code("CSV_MALFORMED", "ERROR", "CSV 格式错误,无法分行", "malformed CSV; rows cannot be split", "resource"),
    Code("FOREIGN_KEY_NOT_CHECKED", "INFO", "引用的表不在数据包中,外键未检查",
         "the referenced table is not in the package; foreign key not checked", "resource"),
    # -- header
    Code("HEADER_HINT", "INFO", "表头问题的说明", "what the header problems amount to", "header"),
    Code("HEADER_BLANK", "ERROR", "第一行(表头)为空", "the first row (header) is blank", "header", "blank-header"),
    Code("HEADER_EXTRA_LABEL", "ERROR", "表头多出标准中没有的列", "the header has a column the standard does not define", "header", "extra-label"),
    Code("HEADER_MISSING_LABEL", "ERROR", "表头缺少标准中的列", "the header lacks a column of the standard", "header", "missing-label"),
    Code("HEADER_BLANK_LABEL", "ERROR", "表头单元格为空", "a header cell is blank", "header", "blank-label"),
    Code("HEADER_DUPLICATE_LABEL", "ERROR", "表头列名重复", "a header label is repeated", "header", "duplicate-label"),
    Code("HEADER_INCORRECT_LABEL", "ERROR", "表头列名与标准字段名不一致", "a header label differs from the standard's field name", "header", "incorrect-label"),
    # -- rows
    Code("ROW_BLANK", "ERROR", "空行", "blank row", "row", "blank-row"),
    Code("CELL_EXTRA", "ERROR", "该行单元格多于表头", "the row has more cells than the header", "row", "extra-cell"),
    Code("CELL_MISSING", "ERROR", "该行单元格少于表头", "the row has fewer cells than the header", "row", "missing-cell"),
    Code("CELL_TOO_LARGE", "ERROR", "单元格超过 32767 个字符(电子表格的上限)", "the cell exceeds 32,767 characters (the spreadsheet limit)", "row"),
    # -- cells
    Code("TYPE_ERROR", "ERROR", "值的类型不对", "the value is not of the field's type", "cell", "type-error"),
    Code("REQUIRED_MISSING", "ERROR", "必填字段为空", "a required field is empty", "cell", "constraint-error"),
    Code("PATTERN_MISMATCH", "ERROR", "值不符合格式要求", "the value does not match the field's pattern", "cell", "constraint-error"),
    Code("NOT_IN_CODELIST", "ERROR", "代码不在代码表中", "the code is not in the codelist", "cell", "constraint-error"),
    Code("BELOW_MINIMUM", "ERROR", "值小于最小值", "the value is below the minimum", "cell", "constraint-error"),
    Code("ABOVE_MAXIMUM", "ERROR", "值大于最大值", "the value is above the maximum", "cell", "constraint-error"),
    Code("TOO_SHORT", "ERROR", "值短于最小长度", "the value is shorter than the minimum length", "cell", "constraint-error"),
    Code("TOO_LONG", "ERROR", "值长于最大长度", "the value is longer than the maximum length", "cell", "constraint-error"),
    Code("NUMBER_NOT_CANONICAL", "ERROR", "数字的写法不是标准的写法(全角数字、下划线、正号、空格、inf、NaN 等)",
         "the number is not written as the standard writes numbers (full-width digits, underscores, a plus sign, spaces, inf, NaN …)", "cell"),
    Code("CODE_NOT_IN_OPEN_CODELIST", "INFO", "代码不在开放代码表中(允许地方代码)",
         "the code is not in the open codelist (local codes are allowed)", "cell"),
    # -- keys
    Code("DUPLICATE_VALUE", "ERROR", "值应唯一但重复", "the value must be unique but repeats", "key", "unique-error"),
    Code("PRIMARY_KEY_DUPLICATE", "ERROR", "主键重复", "the primary key repeats", "key", "primary-key"),
    Code("PRIMARY_KEY_BLANK", "ERROR", "主键为空", "the primary key is empty", "key", "primary-key"),
    Code("FOREIGN_KEY_MISSING", "ERROR", "引用的记录不存在", "the referenced row does not exist", "key", "foreign-key"),
    # -- privacy
    Code("PRIVACY_ID_NUMBER", "ERROR", "含居民身份证号码", "contains a resident ID number", "privacy"),
    Code("PRIVACY_MOBILE_NUMBER", "ERROR", "含手机号码", "contains a mobile phone number", "privacy"),
    Code("PRIVACY_PERSON_NAME", "ERROR", "疑似含个人姓名", "appears to contain a person's name", "privacy"),
    Code("PRIVACY_PHONE_NUMBER", "ERROR", "含固定电话号码", "contains a landline phone number", "privacy"),
    Code("PRIVACY_ADDRESS", "ERROR", "含具体到门牌、单元或房间的住址", "contains an address down to the house, unit or room",
         "privacy"),
    Code("PRIVACY_PERSONAL_FIELD", "ERROR", "列名表明是个人信息(姓名、证件号、电话、住址等)",
         "the column name denotes personal data (name, ID number, phone, address …)", "privacy"),
    Code("PRIVACY_SMALL_GROUP", "WARNING", "准标识符组合的记录数少于 k,可能识别出个人",
         "a combination of quasi-identifiers is shared by fewer than k records and may single out a person", "privacy"),
    # -- the package's period and records across tables (package_checks.py)
    Code("RECORD_OUTSIDE_PERIOD", "WARNING", "记录日期不在数据包期间内", "a record is dated outside the package's period", "package"),
    Code("ACTIVE_RANGE_INCONSISTENT", "WARNING", "记录日期超出其所属记录的有效或在岗期间",
         "a record is dated outside the active or valid range of the record it belongs to", "package"),
    Code("SURVEY_PUBLISHED_TWICE", "ERROR", "同一调查同时以答卷和汇总数发布", "a survey is published both as answers and as counts", "package"),
    Code("LOCAL_QUESTION_UNDECLARED", "WARNING", "本地题目代码未声明", "a local question code is not declared", "package"),
    # -- deprecation
    Code("DEPRECATED_TABLE", "WARNING", "表已弃用", "the table is deprecated", "deprecation"),
    Code("DEPRECATED_FIELD", "WARNING", "字段已弃用", "the field is deprecated", "deprecation"),
    Code("DEPRECATED_CODE", "WARNING", "代码已弃用", "the code is deprecated", "deprecation"),
]

CODES: dict[str, Code] = {c.code: c for c in _CODES}

# Codes meaning the input could not be read at all: exit code 2.
FATAL = {"INPUT_SPECIAL_FILE", "INPUT_NOT_FOUND", "INPUT_NOT_A_PACKAGE", "DESCRIPTOR_UNREADABLE", "ZIP_UNREADABLE", "ZIP_TOO_LARGE",
         "STANDARD_UNREADABLE", "INTERNAL_ERROR"}

# Map from a constraint name of Table Schema to its code.
CONSTRAINT_CODES = {
    "required": "REQUIRED_MISSING",
    "pattern": "PATTERN_MISMATCH",
    "enum": "NOT_IN_CODELIST",
    "minimum": "BELOW_MINIMUM",
    "exclusiveMinimum": "BELOW_MINIMUM",
    "maximum": "ABOVE_MAXIMUM",
    "exclusiveMaximum": "ABOVE_MAXIMUM",
    "minLength": "TOO_SHORT",
    "maxLength": "TOO_LONG",
}


def title(code: str, lang: str = "zh") -> str:
    c = CODES.get(code)
    if c is None:
        return code
    return c.zh if lang == "zh" else c.en
