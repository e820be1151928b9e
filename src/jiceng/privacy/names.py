"""Persons' names in free text.

Names have no check digit, so two methods are combined:

1. jieba's part-of-speech tagger (`jieba.posseg`, run by `jiceng.privacy.tagger`, which reads
   only the part of jieba's dictionary a text needs), which tags person names `nr` (also `nrfg`,
   `nrt`) from its dictionary and, for unknown words, from its hidden Markov model. A tagged word
   counts as a name when it starts with a Chinese surname (single or compound), has the length
   of a name (2-3 characters, 3-4 with a compound surname), is not anonymised (张某, 李*,
   王XX), is not a common word the tagger is known to mis-tag (谢谢, 熊猫, 向阳 …) nor a public
   figure (习近平, 雷锋 …), and is not the first part of a place or organisation name (宋庄,
   李家村, 司马光小学 …). A surname the tagger splits from its given name (周/红梅) is joined.
2. Context rules that need no tagger: a label and a colon (联系人:张伟, 经办人：李秀英) and a
   surname with a form of address or title (王大爷, 李秀英女士, 张三同志, 刘书记).

`benchmarks/bench_names.py` measures precision and recall on the labelled sentences in
`tests/fixtures/privacy/names_labelled.csv`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

NAME_CODE = "PRIVACY_PERSON_NAME"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范石廖贾夏韦付傅邱侯邹熊孟秦邵江尹薛闫阎段雷龙史陶黎贺顾毛郝龚万钱严"
    "覃武戴莫孔汤向常温康施牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚"
    "符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆"
    "农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾"
    "隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝白文方金黑"
)
COMPOUND_SURNAMES = (
    "欧阳", "司马", "诸葛", "上官", "司徒", "东方", "夏侯", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
    "令狐", "端木", "西门", "南宫", "独孤", "轩辕", "呼延", "澹台", "公冶", "太史", "申屠", "钟离", "闻人",
    "赫连", "濮阳", "万俟", "第五",
)
_SURNAME_SET = frozenset(SURNAMES)
# Characters that mostly begin ordinary words before a form of address (全体同志, 文明大妈, 高龄…):
# not taken as surnames by the context rule (the tagger sees their context).
_CONTEXT_EXCLUDED = set("全党明和安师时成路文方金黑白")
_CONTEXT_SURNAMES = "".join(ch for ch in dict.fromkeys(SURNAMES) if ch not in _CONTEXT_EXCLUDED)

# Common words and names of public figures the tagger tags as person names.
NOT_NAMES = frozenset("""
谢谢 熊猫 叶子 祝福 黎明 朱红 向阳 白云 华为 杨柳 秦岭 高峰 金牛 龙凤 江山 方圆 高山 石林 黄金 白菜 和平 安康
明星 温馨 文化 康复 马上 孔雀 杜鹃 牡丹 余额 于是 常规 高兴 林业 金额 周末 向前 何时 关于 时间 和谐 安全 万元
程序 石头 陆续 江边 马路 黄色 白天 方便 关心 文明 成功 成果 明白 明天 明年 安排 安置 安装 安定 师傅 时候 路灯
高龄 高层 宋体 黄河 长江 金山 银河 海燕 春燕 红梅 白鹭 梅花 兰花 菊花 荷花 桂花 柳树 杨树 石榴 葛根 田园 乔木
温情 温州 常州 包头 常德 成都 武汉 江门 金华 温岭 黄山 邵阳 岳阳 衡阳 华山 严格 宁静 齐全 齐心 尚未 时尚 景观
习近平 毛泽东 邓小平 江泽民 胡锦涛 周恩来 刘少奇 朱德 孙中山 雷锋 焦裕禄 钟南山 鲁迅 诸葛亮 曹操 孔子 孟子 老子
庄子 司马光 岳飞 文天祥 屈原 李白 杜甫 白居易 苏轼 王羲之 包拯 林则徐 袁隆平 张思德 白求恩 黄继光 邱少云 董存瑞
刘胡兰 杨靖宇 赵一曼 方志敏 谷文昌 杨善洲 孔繁森 廖俊波 黄大年 张桂梅 黄文秀 时传祥 王进喜 郭明义 申纪兰
欧阳修 祝英台 梁山伯 牛郎 孙悟空 猪八戒 唐僧 花木兰 雷锋精神 朱红色 黄金周 古建筑 胡同 罗马 罗马柱 许昌 曹妃甸 曾厝 龙舟赛
""".split())
# A word followed by these is a place or an organisation (李家村, 司马光小学, 宋庄镇), not a person.
_PLACE_NEXT = re.compile(
    r"^(?:村|庄|屯|寨|湾|坝|坪|岭|岗|塘|桥|路|街|巷|弄|镇|乡|县|区|市|省|州|山|河|江|湖|港|洲|岛|园|苑|氏|家族|"
    r"小区|社区|花园|家园|公园|广场|大厦|大道|新村|小学|中学|大学|学校|学院|医院|公司|集团|银行|超市|商店|饭店|"
    r"酒店|宾馆|农场|林场|水库|工厂|纪念馆|纪念堂|故居|祠堂|宗祠|办事处|派出所|居委会|村委会|委员会|工作站|服务站|"
    r"中心|精神|思想|号线|同学会|纪念|式|体|派|牌|杯|奖)"
)
_PLACE_END = set("村庄屯寨湾坝坪岭岗冲塘桥路街巷弄镇乡县区市省州山河江湖港洲岛园苑井馆色赛道城角宅门嘴沟口渡集营堡峪")
_PLACE_INSIDE = set("村镇乡县区市省街路巷")
_ANONYMISED = re.compile(r"某|[*＊×Xx○〇□■●]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_NR = ("nr", "nrfg", "nrt")
_NUMERAL_BEFORE = re.compile(r"[0-9０-９一二两三四五六七八九十百千万几][ \t]*$")
_GIVEN_TAGS = ("nr", "nrfg", "nrt", "nz", "ns")
_FUNCTION_TAGS = ("p", "c", "u", "uj", "ul", "uz", "ud", "ug", "uv", "d", "m", "q", "x", "eng", "f", "y", "e", "o", "r")

_LABELS = "姓名|联系人|户主|负责人|申请人|当事人|反映人|来电人|报告人|经办人|承办人|责任人|记录人|填报人|登记人|求助人|投诉人|举报人|监护人|家属|网格员"
_ADDRESS = ("先生|女士|小姐|阿姨|大爷|大妈|大娘|大叔|大姐|大哥|奶奶|爷爷|婆婆|伯伯|师傅|同志|老师|同学|书记|主任|"
            "组长|队长|村长|社长|站长|院长|校长|医生|警官|律师|会计|委员|老人")
NAME_PREFILTER = rf"(?:{_LABELS})\s*[:：]|(?:{_ADDRESS})"
_NAME_LABELLED = re.compile(rf"(?:{_LABELS})\s*[:：]\s*((?:{'|'.join(COMPOUND_SURNAMES)}|[{SURNAMES}])[\u4e00-\u9fff]{{1,2}})")
_ADDRESS_FORMS = tuple(_ADDRESS.split("|"))
_NAME_ADDRESSED = re.compile(rf"([{_CONTEXT_SURNAMES}][\u4e00-\u9fff]{{0,2}}?)(?:{_ADDRESS})")
# Han characters that cannot stand in a name next to a form of address (…的同志, 大家同志).
_NOT_IN_NAME = set("的了和与及等在是为对向把被从由给请让个位名各每全该本此某们这那些都也")


@dataclass(frozen=True)
class NameHit:
    start: int
    end: int
    name: str
    shown: str


def surname_length(word: str) -> int:
    """1 or 2 when `word` starts with a surname, else 0."""
    if word[:2] in COMPOUND_SURNAMES:
        return 2
    return 1 if word[:1] in _SURNAME_SET else 0


def redact_name(name: str) -> str:
    """张伟 -> 张*, 欧阳娜娜 -> 欧阳**, a lone surname -> *."""
    keep = surname_length(name) if len(name) > 1 else 0
    keep = min(keep, len(name) - 1) if len(name) > 1 else 0
    return name[:keep] + "*" * (len(name) - keep)


def _tagger():
    """jieba's part-of-speech tagger (jiceng.privacy.tagger: jieba's dictionary and model, read
    as far as a text needs them); loads the dictionary."""
    from . import tagger

    tagger.lexicon()
    return tagger


def _plausible(word: str) -> bool:
    s = surname_length(word)
    if not s or not _HAN.fullmatch(word[0]):
        return False
    if not (s + 1 <= len(word) <= s + 2):
        return False
    if not all(_HAN.fullmatch(c) for c in word) or word in NOT_NAMES or word[:3] in NOT_NAMES:
        return False
    if any(c in _NOT_IN_NAME or c in _PLACE_INSIDE for c in word[s:]):
        return False
    return word[-1] not in _PLACE_END


# jieba's dictionary tags many common words nr (叶子 1205, 谢谢 1089, 胡萝卜 452, 荣耀 493), and
# many real names too (王明 368, 李强 159, 刘建国 3): frequency does not separate them. What does
# is the given name: a frequent dictionary word counts as a name only when the characters after
# the surname are all common in given names (建国, 秀英, 强 — not 萝卜, 迁, 祠, 楼).
COMMON_WORD_FREQ = 1
GIVEN_NAME_CHARS = frozenset("".join("""
伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进
林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰
士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞
香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺
咏卿聪澜纯毓悦昭冰爽琬茗羽希欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜姬舒影荔丽阳妮宝贝初程罡恒鸿桦骅剑娇纪宽灵媚琪晴容睿烁堂唯
威韦雯萱彦宇雨洋忠宗曼紫逸贤蝶菡儿轩涵然铭泓昊宸皓晗琨锐煜熙泉铁柱根金银喜财旺来满双二三四五六七八九大立正长桃杏莹沛洪淼鑫森焱垚
钰彤潇敏捷佩璇瑛嫣晖斐芊怀景曦朝望斯麟骏驰凯锋懿胤桐彰勋昕晟晔淳湘澄沐汐漫溪玥瑜璋蕾葳芮苒芷萌蔚婧妤姝娉姗徽霖霏虹祖
设业远佑益培基宪钢铮帆舟晋川渝京津沪淮湘赣闽浙粤陇坤乾润涌洲汉唐卫兵虎鹤鹰凌霜峻崇嵩巍屹峥嵘
""".split()))


def _common_word(word: str, surname: int | None = None, tagged: bool = True) -> bool:
    """A frequent dictionary word whose part after the surname (`surname` characters, found when
    None) is not made of given-name characters."""
    lexicon = _tagger().lexicon()
    tag = lexicon.tag(word)
    if tagged and tag is not None and tag not in _NR:  # a dictionary word that is not a name (许可 …)
        return True
    if lexicon.freq(word) < COMMON_WORD_FREQ:
        return False
    return not all(c in GIVEN_NAME_CHARS for c in word[surname_length(word) if surname is None else surname:])


_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")


def _tagged(text: str) -> list[NameHit]:
    """Names the tagger finds. Names are runs of Chinese characters, so each run between
    punctuation, digits and Latin letters is tagged on its own and remembered: the same phrase
    in a million notes is tagged once."""
    out: list[NameHit] = []
    for run in _HAN_RUN.finditer(text):
        base = run.start()
        if not _may_hold_name(text, base, run.group(0)):
            continue
        for start, end, word in _candidates(run.group(0)):
            start, end = base + start, base + end
            after = text[end:end + 4]
            before = text[start - 1:start] if start else ""
            if _NUMERAL_BEFORE.search(text[max(0, start - 8):start]):  # 18 张表, 3 包垃圾: a measure word
                continue
            if not _ANONYMISED.match(after) and not _PLACE_NEXT.match(after) and before not in ("小", "老"):
                out.append(NameHit(start, end, word, redact_name(word)))
    return out


def _may_hold_name(text: str, base: int, run: str) -> bool:
    """Whether the tagger could find a name in `run` (at `base` in `text`), decided without it.

    What `_candidates` returns is a piece of the run (tokens joined, a form of address cut off)
    that `_plausible` accepts, not anonymised and not followed by a place word (`_pieces`), and
    `_tagged` keeps it only without a numeral before it, an anonymising mark or place word after
    it, or 小/老 before it. When no piece passes these same tests, the tagger cannot report a
    name in this run and is not asked."""
    for i, end in _pieces(run):
        start, end = base + i, base + end
        after = text[end:end + 4]
        if _NUMERAL_BEFORE.search(text[max(0, start - 8):start]) or _ANONYMISED.match(after) \
                or _PLACE_NEXT.match(after) or (text[start - 1:start] if start else "") in ("小", "老"):
            continue
        return True
    return False


@lru_cache(maxsize=200_000)
def _pieces(run: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of every piece of 2 to 4 characters of a run of Chinese characters that the
    tagger path could report, judged by the run alone."""
    out = []
    n = len(run)
    for i, ch in enumerate(run):
        if ch not in _SURNAME_SET and run[i:i + 2] not in COMPOUND_SURNAMES:
            continue
        for size in (2, 3, 4):
            end = i + size
            if end > n:
                break
            word = run[i:end]
            if _plausible(word) and not _ANONYMISED.search(word) and not _PLACE_NEXT.match(run[end:end + 4]):
                out.append((i, end))
    return tuple(out)


def prepare_names(texts) -> None:
    """Look up at once, in batches, the dictionary entries that tagging these texts will need
    (only for the runs the tagger can find a name in)."""
    runs = {run.group(0) for text in texts if text and _HAN.search(text) for run in _HAN_RUN.finditer(text)
            if _may_hold_name(text, run.start(), run.group(0))}
    if runs:
        _tagger().prepare(runs)


@lru_cache(maxsize=200_000)
def _candidates(text: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, word) of the likely names in one run of Chinese characters."""
    tokens = _tagger().cut(text)
    out: list[tuple[int, int, str]] = []
    pos = 0
    offsets = []
    for word, _ in tokens:
        offsets.append(pos)
        pos += len(word)
    i = 0
    while i < len(tokens):
        word, flag = tokens[i]
        start = offsets[i]
        j = i + 1
        s = surname_length(word)
        nxt = tokens[j] if j < len(tokens) else ("", "x")
        if s and len(word) == s and (flag in _NR or word not in _CONTEXT_EXCLUDED) \
                and (flag not in _FUNCTION_TAGS or flag == "r" and nxt[1] in _NR + ("nz",)
                     or flag == "q" and (i == 0 or tokens[i - 1][1] != "m")) \
                and _HAN.fullmatch(nxt[0][:1] or "x"):
            # A surname the tagger split from its given name: 周/nr 红梅/nr, 孙/zg 建华/nz,
            # 樊/nr 建国/ns, 司马/nr 春/tg 燕/ns.
            given = all(c in GIVEN_NAME_CHARS for c in nxt[0])
            if len(nxt[0]) <= 2 and (nxt[1] in _GIVEN_TAGS or flag in _NR and nxt[1] not in _FUNCTION_TAGS
                                     or given and nxt[1] in ("n", "ng", "a", "vn")) \
                    and (flag in _NR or given) and not _common_word(nxt[0], 0, tagged=False):
                word += nxt[0]
                j += 1
            elif s == 2 and len(nxt[0]) == 1 and nxt[1] not in _FUNCTION_TAGS:
                word += nxt[0]
                j += 1
                if j < len(tokens) and len(tokens[j][0]) == 1 and _HAN.fullmatch(tokens[j][0]) \
                        and tokens[j][1] not in _FUNCTION_TAGS + ("v",):
                    word += tokens[j][0]
                    j += 1
            else:
                i = j
                continue
        elif flag not in _NR:
            i = j
            continue
        for form in _ADDRESS_FORMS:  # 王大爷: the form of address is not part of the name
            if word.endswith(form) and len(word) > len(form):
                word = word[: -len(form)]
                break
        end = start + len(word)
        after = text[end:end + 4]
        if _plausible(word) and not _common_word(word) and not _ANONYMISED.search(word) and not _PLACE_NEXT.match(after):
            out.append((start, end, word))
        i = j
    return tuple(out)


def _context(text: str) -> list[NameHit]:
    out = []
    for rx in (_NAME_LABELLED, _NAME_ADDRESSED):
        for m in rx.finditer(text):
            name = m.group(1)
            after = text[m.end(1):m.end(1) + 2]
            if _ANONYMISED.search(name) or _ANONYMISED.match(after) or any(c in _NOT_IN_NAME for c in name[1:]):
                continue
            if rx is _NAME_ADDRESSED and len(name) > 1 and not _plausible(name):
                continue
            if name in NOT_NAMES:
                continue
            out.append(NameHit(m.start(1), m.end(1), name, redact_name(name)))
    return out


@lru_cache(maxsize=65536)
def _find(text: str) -> tuple[NameHit, ...]:
    hits = _context(text)
    if _HAN.search(text):
        hits += _tagged(text)
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    out: list[NameHit] = []
    for h in hits:
        if out and h.start < out[-1].end:
            continue
        out.append(h)
    return tuple(out)


def find_name_hits(text: str) -> list[NameHit]:
    if not text or not _HAN.search(text):
        return []
    return list(_find(text))


def find_names(text: str) -> list[tuple[str, str]]:
    """(code, redacted) for each likely person's name in `text`."""
    return [(NAME_CODE, h.shown) for h in find_name_hits(text)]
