"""Record-level example packages, generated deterministically.

    python -m jiceng.examples OUTDIR      # writes OUTDIR/<package>/ for each example

Three fictitious localities shaped after the published cases in the seeds:

- zj-hangzhou-linli   a Zhejiang community modelled on 钱塘区白杨街道邻里社区
                      (7 grids, 53 micro-grids of about 65 households, building leaders
                      about one third party members);
- hn-xiangtan-yuhu    a Hunan street in 雨湖区 with about 40 "大网格";
- gs-dingxi-zhangxian a Gansu village in 漳县 whose village groups are its grids, women
                      about 41% of committee members and meeting participants.

Every table of the standard is filled. The data describe no real people: persons and
households carry pseudonymous ids only (V000123, H0123, ...), free text is generic.
Each package has its own fixed random seed, so a rerun writes byte-identical files.
"""
from __future__ import annotations

import math
import random
import sys
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

from .package import write_package
from .standard import Standard, current

YEAR = 2022
YEAR_START = date(YEAR, 1, 1)
YEAR_END = date(YEAR, 12, 31)
EXAMPLE_SOURCE = "示例数据 example data: jiceng.examples"
LICENSE = {"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
           "path": "https://creativecommons.org/licenses/by/4.0/"}

# ---------------------------------------------------------------- shared vocabulary
# Generic titles per topic: no places, no people.
AGENDA_TITLES = {
    "party_building": ["网格党支部共建活动安排", "党员责任区划分", "在职党员报到服务安排"],
    "livelihood": ["老年食堂运营方案", "小区电梯加装协调", "便民服务点设置", "四点半课堂开设", "菜篮子便民摊位设置"],
    "environment": ["垃圾分类投放点调整", "楼道杂物清理", "绿化补种与微花园建设", "雨污管网疏通", "卫生保洁责任分区"],
    "governance": ["居民公约修订", "楼道长队伍调整", "议事规则完善", "志愿服务积分办法修订"],
    "industry": ["村集体经济项目选择", "特色种植合作安排", "企业用工对接"],
    "land_acquisition": ["征迁补偿政策宣讲", "临时安置方案"],
    "traffic_parking": ["小区停车治理", "电动车充电桩设置", "道路隔离与人行横道设置", "非机动车停放整治"],
    "housing_renovation": ["老旧小区改造需求清单", "外墙门窗修缮", "屋顶防水维修"],
    "public_health": ["健康义诊安排", "公共区域消杀"],
    "policy_study": ["基层治理政策学习", "民法典宣讲"],
    "other": ["节日邻里活动安排", "文体队伍场地协调"],
}
PROJECT_TITLES = [
    "小区停车位增设", "电动车充电桩建设", "老旧小区外墙修缮", "休闲座椅与健身点建设", "微花园改造",
    "道路拐角拓宽", "楼道照明改造", "老年食堂建设", "儿童游乐场地改造", "雨污分流改造",
    "村道硬化", "村口路灯安装", "文化广场修缮", "饮水管网改造", "垃圾集置点建设", "便民服务站建设",
]
REDEEMED_ITEMS = ["洗衣液", "食用油", "大米", "毛巾", "牙膏", "洗洁精", "纸巾", "肥皂"]
SERVICE_AGE = {"18-34": 0.22, "35-44": 0.2, "45-59": 0.3, "60-69": 0.2, "70+": 0.08}
ADULT_AGE = {"18-34": 0.2, "35-44": 0.18, "45-59": 0.28, "60-69": 0.2, "70+": 0.14}


# ---------------------------------------------------------------- package profiles
# Everything that differs between the three packages; the builder below is shared.
PROFILES = [
    {
        "name": "zj-hangzhou-linli",
        "seed": 330114,
        "title": "示例数据:钱塘区白杨街道邻里社区(模拟)",
        "title_en": "Example data: Linli community, Baiyang street, Qiantang district (simulated)",
        "description": (
            "生成的记录级示例数据,规模仿照钱塘区白杨街道邻里社区公开数据(7个网格、53名微网格员、"
            "人均联系约65户、楼道长约三分之一为党员)。不涉及任何真实人员。 "
            "Generated record-level example data shaped after published figures for Linli community "
            "(7 grids, 53 micro-grid workers of about 65 households each, about a third of building "
            "leaders party members). Describes no real people."),
        "province_code": "33",
        "chain": [
            ("330000000000", "浙江省", "Zhejiang", "province", True),
            ("330100000000", "杭州市", "Hangzhou", "prefecture", True),
            ("330114000000", "钱塘区", "Qiantang", "county", True),
            ("330114000000-BAIYANG", "白杨街道", "Baiyang", "township", False),
        ],
        "home": ("330114000000-BAIYANG-LINLI", "邻里社区", "Linli", "community", "111", date(2019, 6, 1)),
        "structure": "community",
        "grids": 7, "micro_per_grid": [8, 8, 8, 7, 7, 7, 8], "micro_households": (52, 78),
        "persons_per_household": 2.45,
        "cases": 900,
        "case_categories": {"environment": 20, "parking_traffic": 15, "property_management": 15, "infrastructure": 12,
                            "dispute": 10, "fire_safety": 6, "illegal_construction": 5, "elderly_children": 7,
                            "public_order": 4, "social_assistance": 3, "domestic_violence": 1, "public_service": 2},
        "bodies": [
            ("邻里议事会", "council_hall", date(2020, 3, 1), 21, 11, 28, 72, 20, ""),
            ("网格智囊团", "grid_council_day", date(2021, 5, 1), 35, 17, 25, 70, 15, ""),
            ("云端议事厅", "cloud_council", date(2021, 9, 1), 60, 33, 20, 75, None, "浙政钉、微信群"),
        ],
        "meetings": [
            # form, body index, schedule, mode, size range, voting, procedure
            {"form": "council_hall", "body": 0, "monthly_day": 20, "mode": "offline", "size": (18, 40), "vote": True,
             "procedure": "five_step", "cats": "community"},
            {"form": "grid_council_day", "body": 1, "per_grid_monthly_day": 15, "mode": "offline", "size": (10, 28),
             "vote": False, "procedure": "five_step", "cats": "grid"},
            {"form": "cloud_council", "body": 2, "count": 24, "mode": "online", "size": (30, 110), "vote": True,
             "procedure": "none", "cats": "online"},
            {"form": "hearing", "count": 2, "mode": "offline", "size": (40, 80), "vote": True,
             "procedure": "invite_consult", "cats": "hearing"},
            {"form": "joint_meeting", "count": 4, "mode": "hybrid", "size": (12, 25), "vote": False,
             "procedure": "none", "cats": "joint"},
        ],
        "women_scale": 1.0,
        "projects": {"nominated": 11, "selected": 4, "voters": 1260},
        "teams": [
            ("平安巡逻队", "safety_patrol"), ("垃圾分类督导队", "waste_sorting"), ("邻里互助队", "elderly_care"),
            ("防汛应急队", "flood_response"), ("巧手裁剪队", "tailoring_haircut"), ("法律服务队", "legal_aid"),
            ("文明劝导队", "environment_cleaning"), ("心理关爱队", "psychological_support"),
        ],
        "volunteers": 620, "service_records": 3000,
        "points": {"person": "pioneer_index", "household": "energy_store", "households": 420},
        "survey": {"sample": 400, "responses": 356, "sat": [0.42, 0.40, 0.12, 0.04, 0.02]},
        "survey2": {"sample": 500, "responses": 431, "sat": [0.40, 0.43, 0.11, 0.04, 0.02]},
        "sdg_survey": {"sample": 300, "responses": 262, "used": 0.62, "gov": 0.82, "health": 0.74,
                       "say": [0.08, 0.22, 0.26, 0.34, 0.10], "influence": [0.16, 0.30, 0.26, 0.14, 0.14]},
        "reported": [
            ("party_members_in_grids", 150, "over", "在职党员、企业员工、骨干青年加入网格团队(示例)"),
            ("households_visited", 96, "exact", "走访困难家庭户数(示例)"),
        ],
    },
    {
        "name": "hn-xiangtan-yuhu",
        "seed": 430302,
        "title": "示例数据:雨湖区示例街道(模拟)",
        "title_en": "Example data: a demo street of Yuhu district, Xiangtan (simulated)",
        "description": (
            "生成的记录级示例数据:雨湖区一个城市街道,约40个“大网格”(党建、综治、自治、服务四网合一),"
            "“说议筹做评”议事和“四议两公开一监督”程序。不涉及任何真实人员。 "
            "Generated record-level example data: an urban street of Yuhu district with about 40 unified "
            "grids, tell-discuss-raise-do-evaluate deliberation. Describes no real people."),
        "province_code": "43",
        "chain": [
            ("430000000000", "湖南省", "Hunan", "province", True),
            ("430300000000", "湘潭市", "Xiangtan", "prefecture", True),
            ("430302000000", "雨湖区", "Yuhu", "county", True),
        ],
        "home": ("430302000000-DEMO", "示例街道", "Demo street", "township", None, None),
        "structure": "street",
        "communities": [("第一社区", "C1", 8), ("第二社区", "C2", 9), ("第三社区", "C3", 7),
                        ("第四社区", "C4", 8), ("第五社区", "C5", 8)],
        "grid_households": (280, 460), "micro_in_first_grids": 2, "micro_per_grid": 5,
        "persons_per_household": 2.6,
        "cases": 2000,
        "case_categories": {"environment": 18, "parking_traffic": 12, "property_management": 14, "infrastructure": 16,
                            "dispute": 10, "fire_safety": 5, "illegal_construction": 5, "elderly_children": 8,
                            "public_order": 4, "social_assistance": 4, "public_service": 3, "other": 1},
        "bodies": [
            ("居民议事会", "council_hall", date(2018, 9, 1), 25, 13, 30, 72, None, ""),
            ("“请你来协商”小微协商平台", "joint_meeting", date(2019, 4, 1), 18, 7, 35, 68, None, ""),
            ("院落议事会", "compound_council", date(2020, 6, 1), 15, 8, 30, 75, None, ""),
        ],
        "meetings": [
            {"form": "council_hall", "body": 0, "per_community_count": 10, "mode": "offline", "size": (20, 45),
             "vote": True, "procedure": "five_step", "cats": "community"},
            {"form": "joint_meeting", "body": 1, "count": 12, "mode": "offline", "size": (12, 30), "vote": False,
             "procedure": "invite_consult", "cats": "joint"},
            {"form": "compound_council", "body": 2, "per_grid_count": 3, "mode": "offline", "size": (8, 22),
             "vote": False, "procedure": "five_step", "cats": "grid"},
            {"form": "consultation", "count": 6, "mode": "offline", "size": (25, 60), "vote": False,
             "procedure": "four_two_one", "cats": "hearing"},
            {"form": "hearing", "count": 4, "mode": "offline", "size": (40, 90), "vote": True,
             "procedure": "four_two_one", "cats": "hearing"},
            {"form": "online_vote", "count": 2, "mode": "online", "size": (300, 600), "vote": True,
             "procedure": "none", "cats": "online"},
        ],
        "women_scale": 1.0,
        "projects": {"nominated": 16, "selected": 6, "voters": 3240},
        "teams": [
            ("红色护航巡逻队", "safety_patrol"), ("星星点灯志愿队", "vulnerable_groups"), ("洁净家园队", "environment_cleaning"),
            ("垃圾分类宣传队", "waste_sorting"), ("银龄互助队", "elderly_care"), ("邻里调解队", "legal_aid"),
            ("防汛抢险队", "flood_response"), ("护学岗志愿队", "school_safety"), ("文明宣传队", "publicity"),
            ("义剪服务队", "tailoring_haircut"), ("心理疏导队", "psychological_support"), ("综合服务队", "general"),
        ],
        "volunteers": 1500, "service_records": 5000,
        "points": {"person": "behaviour_bank", "household": "behaviour_bank", "households": 700},
        "survey": {"sample": 600, "responses": 512, "sat": [0.35, 0.43, 0.15, 0.05, 0.02]},
        "survey2": {"sample": 800, "responses": 655, "sat": [0.33, 0.46, 0.14, 0.05, 0.02]},
        "sdg_survey": {"sample": 420, "responses": 371, "used": 0.58, "gov": 0.78, "weighted": True,
                       "say": [0.10, 0.25, 0.30, 0.25, 0.10], "influence": [0.18, 0.32, 0.26, 0.14, 0.10]},
        "reported": [
            ("social_organisations", 31, "exact", "社区社会组织(示例)"),
            ("service_centres", 5, "exact", "社区党群服务中心(示例)"),
        ],
    },
    {
        "name": "gs-dingxi-zhangxian",
        "seed": 621125,
        "title": "示例数据:漳县某村(模拟)",
        "title_en": "Example data: a village of Zhang county, Dingxi (simulated)",
        "description": (
            "生成的记录级示例数据:漳县一个行政村,以村民小组为网格单元,党建带妇建,"
            "村委会成员和参会人员中女性约占41%,“四议两公开”议事,巾帼积分超市。不涉及任何真实人员。 "
            "Generated record-level example data: a village of Zhang county whose village groups are its "
            "grids, women about 41% of committee members and participants, four-deliberations-two-disclosures "
            "procedure and a women's points supermarket. Describes no real people."),
        "province_code": "62",
        "chain": [
            ("620000000000", "甘肃省", "Gansu", "province", True),
            ("621100000000", "定西市", "Dingxi", "prefecture", True),
            ("621125000000", "漳县", "Zhangxian", "county", True),
            ("621125000000-SIZU", "四族镇", "Sizu", "township", False),
        ],
        "home": ("621125000000-SIZU-DEMO", "示例村", "Demo village", "village", "220", None),
        "structure": "village",
        "groups": 8, "group_households": (48, 86), "women_micro": True,
        "persons_per_household": 3.4,
        "cases": 320,
        "case_categories": {"dispute": 16, "environment": 18, "infrastructure": 18, "social_assistance": 12,
                            "elderly_children": 10, "public_service": 10, "public_order": 5, "domestic_violence": 2,
                            "illegal_construction": 3, "other": 6},
        "bodies": [
            ("村民议事会", "villagers_council", date(2019, 3, 1), 15, 6, 28, 70, None, ""),
            ("五老议事会", "elders_council", date(2020, 5, 1), 9, 2, 60, 78, None, ""),
            ("村民代表会议", "representatives_meeting", date(2018, 1, 1), 32, 13, 26, 72, None, ""),
        ],
        "meetings": [
            {"form": "villagers_council", "body": 0, "count": 24, "mode": "offline", "size": (15, 40), "vote": False,
             "procedure": "four_two", "cats": "village"},
            {"form": "elders_council", "body": 1, "count": 10, "mode": "offline", "size": (6, 12), "vote": False,
             "procedure": "none", "cats": "elders"},
            {"form": "representatives_meeting", "body": 2, "count": 8, "mode": "offline", "size": (25, 40),
             "vote": True, "procedure": "four_two", "cats": "village"},
            {"form": "grid_council_day", "per_grid_count": 3, "mode": "offline", "size": (10, 30), "vote": False,
             "procedure": "none", "cats": "village"},
            {"form": "cloud_council", "count": 6, "mode": "online", "size": (20, 60), "vote": False,
             "procedure": "none", "cats": "online"},
        ],
        "women_scale": 0.93,
        "projects": {"nominated": 7, "selected": 3, "voters": 286},
        "teams": [
            ("巾帼志愿服务队", "general"), ("美丽庭院清洁队", "environment_cleaning"), ("关爱留守儿童队", "vulnerable_groups"),
            ("平安巡逻队", "safety_patrol"), ("敬老助老队", "elderly_care"), ("移风易俗宣传队", "publicity"),
        ],
        "volunteers": 230, "service_records": 1300,
        "points": {"person": "points_supermarket", "household": "family_integrity", "households": 0},
        "survey": {"sample": 300, "responses": 281, "sat": [0.48, 0.45, 0.045, 0.017, 0.008]},
        "survey2": {"sample": 400, "responses": 362, "sat": [0.47, 0.46, 0.045, 0.017, 0.008]},
        "sdg_survey": {"sample": 240, "responses": 221, "used": 0.55, "gov": 0.85,
                       "say": [0.06, 0.18, 0.32, 0.32, 0.12], "influence": [0.12, 0.26, 0.30, 0.20, 0.12]},
        "shares_survey": {"title": "漳县群众满意度测评结果(县级公布,各选项百分比;示例)",
                          "source": "示例数据:仿照县级通报中只公布百分比的测评结果 example: shares only, as county bulletins publish them",
                          "shares": {"very_satisfied": 52.3, "satisfied": 38.1, "neutral": 6.2, "dissatisfied": 2.1,
                                     "very_dissatisfied": 0.8, "dont_know": 0.5}},
        "reported": [
            ("village_committee_members", 7, "exact", "村委会成员(示例)"),
            ("village_committee_women_share", (3, 7), "exact", "女性3名(示例)"),
            ("village_committee_under35_share", (4, 7), "exact", "35岁以下4名(示例)"),
            ("village_committee_college_share", (4, 7), "exact", "大专以上4名(示例)"),
            ("women_organisations", 2, "exact", "妇联、妇女之家(示例)"),
        ],
    },
]

# Who comes to which kind of meeting: category -> (weight, share of women).
PARTICIPANT_MIX = {
    "community": {"resident": (10, 0.58), "party_member": (3, 0.42), "building_leader": (3, 0.5),
                  "property_manager": (1, 0.35), "owners_committee": (1, 0.4), "community_cadre": (2, 0.65),
                  "npc_deputy": (0.5, 0.4), "women_representative": (1, 1.0)},
    "grid": {"resident": (10, 0.56), "party_member": (3, 0.4), "grid_staff": (2, 0.6), "building_leader": (2, 0.5),
             "volunteer": (1, 0.6)},
    "online": {"resident": (12, 0.55), "party_member": (2, 0.4), "community_cadre": (1, 0.6),
               "property_manager": (1, 0.3)},
    "hearing": {"resident": (10, 0.5), "expert": (1, 0.3), "department": (1.5, 0.35), "npc_deputy": (1, 0.4),
                "cppcc_member": (0.5, 0.4), "owners_committee": (1, 0.4), "property_manager": (1, 0.3)},
    "joint": {"community_cadre": (3, 0.55), "department": (2, 0.35), "property_manager": (1, 0.3),
              "enterprise": (1, 0.3), "social_organisation": (1, 0.6), "npc_deputy": (0.5, 0.4)},
    "village": {"resident": (10, 0.45), "party_member": (3, 0.28), "community_cadre": (2, 0.43),
                "women_representative": (1.5, 1.0), "new_gentry": (0.5, 0.15), "elder": (0.5, 0.1),
                "township_official": (0.5, 0.3)},
    "elders": {"elder": (6, 0.15), "community_cadre": (1, 0.43), "resident": (2, 0.4)},
}

CASE_SOURCES = {"patrol": 40, "resident_report": 28, "hotline": 12, "meeting": 5, "online": 11, "referral": 3, "other": 1}
CASE_LEVELS = {"grid": 60, "community": 28, "township": 9, "county": 3}
DAYS_TO_CLOSE = {"grid": (0.55, 3), "community": (0.2, 8), "township": (0.0, 15), "county": (0.0, 30)}
DECISIONS = {"adopted": 75, "deferred": 10, "rejected": 7, "referred": 8}
IMPLEMENTATION = {"completed": 70, "in_progress": 20, "not_started": 7, "abandoned": 3}
SAY = {"a_lot": 0.24, "some": 0.46, "very_little": 0.2, "not_at_all": 0.1}
YES_NO = {"yes": 0.36, "no": 0.64}
NOT_VALID = {"dont_know": 0.03, "refused": 0.01}
SURVEY_QUESTIONS = [  # question, share of respondents who answer it (the last-experience items only users)
    ("SAT_OVERALL", 1.0), ("SAT_GRID_SERVICE", 1.0), ("SAT_CASE_HANDLING", 0.45), ("SAT_MEETING_RESULT", 0.6),
    ("SAT_ENVIRONMENT", 1.0), ("SAT_SAFETY", 1.0), ("SDG1662_HEALTH", 0.7), ("SDG1662_EDUCATION", 0.35),
    ("SDG1662_GOV_SERVICE", 0.55), ("SDG1672_SAY", 1.0), ("SDG1672_INFLUENCE", 1.0), ("PART_MEETING_12M", 1.0),
]
COUNT_QUESTIONS = ["SAT_OVERALL", "SAT_GRID_SERVICE", "SDG1662_GOV_SERVICE", "SDG1672_SAY"]


class _Builder:
    """Builds the 18 tables of one example package from its profile."""

    def __init__(self, profile: dict, std: Standard):
        self.p = profile
        self.std = std
        self.rng = random.Random(profile["seed"])
        self.t: dict[str, list[dict]] = {name: [] for name in std.tables}
        self.home = profile["home"][0]
        self.closed = set(std.codelist("case_status").flagged("closed"))
        self.solved = set(std.codelist("case_status").flagged("solved"))

    # ------------------------------------------------------------ helpers
    def pick(self, weights: dict):
        keys = list(weights)
        return self.rng.choices(keys, weights=[weights[k] for k in keys])[0]

    def day(self, start: date = YEAR_START, end: date = YEAR_END) -> date:
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    def binom(self, n: int, p: float) -> int:
        return sum(self.rng.random() < p for _ in range(n))

    def split(self, total: int, weights: dict) -> dict:
        """Split `total` people among categories in proportion to weights (largest remainders)."""
        norm = sum(weights.values())
        raw = {k: total * w / norm for k, w in weights.items()}
        out = {k: int(v) for k, v in raw.items()}
        rest = total - sum(out.values())
        for k in sorted(raw, key=lambda k: (out[k] - raw[k], k))[:rest]:
            out[k] += 1
        return out

    # ------------------------------------------------------------ localities and grids
    def localities(self) -> None:
        rows = self.t["localities"]
        parent = ""
        for loc_id, name, name_en, level, coded in self.p["chain"]:
            rows.append({"locality_id": loc_id, "name": name, "name_en": name_en, "level": level,
                         "parent_id": parent, "nbs_code": loc_id if coded else "",
                         "code_edition": "2022" if coded else "",
                         "source": "统计用区划代码 NBS statistical area codes" if coded else EXAMPLE_SOURCE,
                         "note": "" if coded else "代码未知,使用派生标识 official code not known: derived identifier"})
            parent = loc_id
        home_id, name, name_en, level, urban_rural, established = self.p["home"]
        self.home_row = {"locality_id": home_id, "name": name, "name_en": name_en, "level": level,
                         "parent_id": parent, "urban_rural_class": urban_rural or "",
                         "established_date": established, "reference_date": YEAR_END,
                         "source": EXAMPLE_SOURCE, "note": "模拟单位,人口为示例值 simulated unit, example figures"}
        rows.append(self.home_row)

    def _grid(self, grid_id, locality_id, name, households, parent="", level="grid", kind="comprehensive",
              valid_from=date(2020, 1, 1)):
        row = {"grid_id": grid_id, "locality_id": locality_id, "parent_grid_id": parent, "grid_level": level,
               "grid_kind": kind, "name": name, "households": households,
               "residents": round(households * self.p["persons_per_household"] * self.rng.uniform(0.9, 1.1)),
               "has_party_branch": level == "grid", "has_meeting_venue": level == "grid" or self.rng.random() < 0.2,
               "valid_from": valid_from, "valid_to": "", "source": EXAMPLE_SOURCE}
        self.t["grids"].append(row)
        return row

    def grids(self) -> None:
        p, structure = self.p, self.p["structure"]
        if structure == "community":
            for g, n_micro in enumerate(p["micro_per_grid"], start=1):
                gid = f"G{g:02d}"
                micro = [self.rng.randint(*p["micro_households"]) for _ in range(n_micro)]
                grid = self._grid(gid, self.home, f"第{g}网格", sum(micro) + self.rng.randint(0, 6),
                                  valid_from=date(2021, 3, 1))
                for m, hh in enumerate(micro, start=1):
                    self._grid(f"{gid}-M{m:02d}", self.home, f"第{g}网格第{m}微网格", hh, parent=gid,
                               level="micro_grid", valid_from=date(2021, 6, 1))
                grid["residents"] = max(grid["residents"], sum(r["residents"] for r in self.t["grids"]
                                                               if r["parent_grid_id"] == gid))
        elif structure == "street":
            n = 0
            for cname, suffix, n_grids in p["communities"]:
                cid = f"{self.home}-{suffix}"
                self.t["localities"].append({
                    "locality_id": cid, "name": cname, "level": "community", "parent_id": self.home,
                    "urban_rural_class": "111", "reference_date": YEAR_END, "source": EXAMPLE_SOURCE,
                    "note": "模拟单位 simulated unit"})
                for _ in range(n_grids):
                    n += 1
                    gid = f"G{n:02d}"
                    grid = self._grid(gid, cid, f"{cname}第{n}网格", self.rng.randint(*p["grid_households"]),
                                      valid_from=date(2020, 7, 1))
                    if n <= p["micro_in_first_grids"]:  # courtyard units under the first grids
                        left = grid["households"]
                        for m in range(1, p["micro_per_grid"] + 1):
                            hh = self.rng.randint(40, left // (p["micro_per_grid"] - m + 1))
                            left -= hh
                            self._grid(f"{gid}-M{m:02d}", cid, f"第{n}网格第{m}院落", hh, parent=gid,
                                       level="micro_grid", kind="self_governance", valid_from=date(2021, 1, 1))
        else:  # village: each village group is a grid, with a women's micro-grid inside
            for g in range(1, p["groups"] + 1):
                lid = f"{self.home}-G{g:02d}"
                hh = self.rng.randint(*p["group_households"])
                self.t["localities"].append({
                    "locality_id": lid, "name": f"第{g}村民小组", "level": "village_group", "parent_id": self.home,
                    "households": hh, "reference_date": YEAR_END, "source": EXAMPLE_SOURCE,
                    "note": "模拟单位 simulated unit"})
                grid = self._grid(f"G{g:02d}", lid, f"第{g}村民小组网格", hh, valid_from=date(2020, 3, 1))
                grid["has_party_branch"] = False
                lrow = self.t["localities"][-1]
                lrow["resident_population"] = grid["residents"]
                if p.get("women_micro"):
                    self._grid(f"G{g:02d}-W", lid, f"第{g}组巾帼微网格", self.rng.randint(15, hh // 2),
                               parent=f"G{g:02d}", level="micro_grid", kind="women_micro",
                               valid_from=date(2021, 3, 8))
            self.t["grids"][0]["has_party_branch"] = True
        # one grid was merged into its neighbour in 2021 ("动态调整"): dissolved before the period
        first = next(g for g in self.t["grids"] if g["grid_level"] == "grid")
        old = dict(first, grid_id="G99", name=f"{first['name']}(原,2021年并入)", valid_from=date(2019, 1, 1),
                   valid_to=date(2021, 6, 30), households=self.rng.randint(60, 120), has_party_branch=False,
                   has_meeting_venue=False)
        old["residents"] = round(old["households"] * self.p["persons_per_household"])
        self.t["grids"].append(old)
        # population of the package's own locality = its grids
        top = [g for g in self.t["grids"] if g["grid_level"] == "grid" and not g.get("valid_to")]
        if structure == "street":
            for loc in self.t["localities"]:
                if loc.get("parent_id") == self.home:
                    mine = [g for g in top if g["locality_id"] == loc["locality_id"]]
                    loc["households"] = sum(g["households"] for g in mine)
                    loc["resident_population"] = sum(g["residents"] for g in mine)
                    loc["registered_population"] = round(loc["resident_population"] * 0.82)
        households = sum(g["households"] for g in top)
        residents = sum(g["residents"] for g in top)
        self.home_row.update(households=households, resident_population=residents,
                             registered_population=round(residents * (0.8 if structure != "village" else 1.12)))
        self.residents = residents
        self.households = households

    # ------------------------------------------------------------ grid staff
    def grid_staff(self) -> None:
        rows, n = self.t["grid_staff"], 0

        def add(grid_id, role, female, party, age=None, households=None, start_range=(date(2018, 1, 1), date(2022, 6, 30))):
            nonlocal n
            n += 1
            # nobody serves a grid before it exists
            start = self.day(max(start_range[0], grids_by_id[grid_id]["valid_from"]), start_range[1])
            left = self.rng.random() < 0.04
            rows.append({"staff_id": f"S{n:04d}", "grid_id": grid_id, "role": role,
                         "gender": "female" if self.rng.random() < female else "male",
                         "age_band": age or self.pick(SERVICE_AGE), "party_member": self.rng.random() < party,
                         "households_assigned": households, "start_date": start,
                         "end_date": self.day(start + timedelta(days=30), YEAR_END) if left and start < date(2022, 10, 1) else ""})

        grids_by_id = {g["grid_id"]: g for g in self.t["grids"]}
        grids = [g for g in self.t["grids"] if g["grid_level"] == "grid" and not g.get("valid_to")]
        micros = [g for g in self.t["grids"] if g["grid_level"] == "micro_grid"]
        structure = self.p["structure"]
        for g in grids:
            gid = g["grid_id"]
            if structure == "village":
                # village cadres take charge of a group each (包抓网格); group heads are part-time grid workers
                add(gid, "grid_leader", 0.43, 0.85, age=self.pick({"18-34": 0.6, "35-44": 0.3, "45-59": 0.1}))
                add(gid, "parttime_grid_worker", 0.4, 0.5, households=g["households"])
                if self.rng.random() < 0.5:
                    add(gid, "resident_backbone", 0.2, 0.6, age=self.pick({"60-69": 0.5, "70+": 0.5}))
                continue
            add(gid, "grid_leader", 0.55, 0.95, age=self.pick({"35-44": 0.5, "45-59": 0.5}))
            add(gid, "fulltime_grid_worker", 0.65, 0.6, households=g["households"],
                age=self.pick({"18-34": 0.6, "35-44": 0.4}))
            for _ in range(self.rng.randint(1, 2)):
                add(gid, "parttime_grid_worker", 0.6, 0.45)
            add(gid, "grid_instructor", 0.45, 0.9, age=self.pick({"35-44": 0.5, "45-59": 0.5}))
            for _ in range(self.rng.randint(1, 4)):
                add(gid, "resident_backbone", 0.55, 0.35)
            if structure == "street":
                for _ in range(self.rng.randint(2, 4)):
                    add(gid, "building_leader", 0.55, 0.33, age=self.pick({"45-59": 0.4, "60-69": 0.4, "70+": 0.2}))
        # people who left before the period (2020-2021): still in the roster, not serving in it
        for g in grids:
            if self.rng.random() < 0.3 and g["valid_from"] <= date(2021, 6, 30):
                left = self.day(max(date(2020, 1, 1), g["valid_from"] + timedelta(days=120)), date(2021, 12, 31))
                add(g["grid_id"], self.pick({"parttime_grid_worker": 3, "resident_backbone": 2}), 0.55, 0.4,
                    start_range=(g["valid_from"], left - timedelta(days=60)))
                rows[-1]["end_date"] = left
        for g in (x for x in self.t["grids"] if x.get("valid_to")):  # a grid dissolved before the period
            add(g["grid_id"], "grid_leader", 0.5, 0.9, start_range=(g["valid_from"], g["valid_from"] + timedelta(days=90)))
            rows[-1]["end_date"] = g["valid_to"]
            add(g["grid_id"], "parttime_grid_worker", 0.6, 0.4, households=g["households"],
                start_range=(g["valid_from"], g["valid_from"] + timedelta(days=90)))
            rows[-1]["end_date"] = g["valid_to"]
        for m in micros:
            if m["grid_kind"] == "women_micro":
                add(m["grid_id"], "micro_grid_leader", 1.0, 0.6, households=m["households"])
                continue
            add(m["grid_id"], "micro_grid_worker", 0.6, 0.5, households=m["households"],
                start_range=(m["valid_from"], date(2022, 3, 1)))
            if structure == "community":  # building leaders at stair level, about a third party members
                for _ in range(self.rng.randint(1, 3)):
                    add(m["grid_id"], "building_leader", 0.55, 0.33,
                        age=self.pick({"45-59": 0.4, "60-69": 0.4, "70+": 0.2}))

    # ------------------------------------------------------------ deliberation
    def bodies(self) -> None:
        for i, (name, form, est, members, women, amin, amax, mday, platform) in enumerate(self.p["bodies"], start=1):
            self.t["deliberative_bodies"].append({
                "body_id": f"B{i:02d}", "locality_id": self.home, "name": name, "form": form, "established_month": est.strftime("%Y-%m"),
                "members": members, "women_members": women,
                "min_member_age": amin, "max_member_age": amax, "meeting_day_of_month": mday,
                "online_platform": platform, "source": EXAMPLE_SOURCE})

    def meetings(self) -> None:
        grids = [g for g in self.t["grids"] if g["grid_level"] == "grid" and not g.get("valid_to")]
        at = {g["grid_id"]: g["locality_id"] for g in grids}
        plans = []  # (date, spec, body, grid, locality)
        for spec in self.p["meetings"]:
            body = f"B{spec['body'] + 1:02d}" if "body" in spec else ""
            if "monthly_day" in spec:
                plans += [(date(YEAR, m, spec["monthly_day"]), spec, body, "", self.home) for m in range(1, 13)]
            elif "per_grid_monthly_day" in spec:
                plans += [(date(YEAR, m, spec["per_grid_monthly_day"]), spec, body, g["grid_id"], g["locality_id"])
                          for g in grids for m in range(1, 13)]
            elif "per_grid_count" in spec:
                plans += [(self.day(), spec, body, g["grid_id"], g["locality_id"])
                          for g in grids for _ in range(spec["per_grid_count"])]
            elif "per_community_count" in spec:
                communities = sorted(set(at.values()))
                plans += [(self.day(), spec, body, "", c) for c in communities for _ in range(spec["per_community_count"])]
            else:
                plans += [(self.day(), spec, body, "", self.home) for _ in range(spec["count"])]
        plans.sort(key=lambda x: (x[0], x[1]["form"], x[3], x[4]))
        for n, (when, spec, body, grid_id, locality) in enumerate(plans, start=1):
            mid = f"M{n:04d}"
            size = self.rng.randint(*spec["size"])
            mix = PARTICIPANT_MIX[spec["cats"]]
            cats = [c for c in mix if c == next(iter(mix)) or self.rng.random() < 0.7]
            counts = self.split(size, {c: mix[c][0] for c in cats})
            part = []
            for c in cats:
                if counts[c] == 0:
                    continue
                # women's representatives are all women; other shares are tuned per locality
                share = mix[c][1] if mix[c][1] == 1.0 else mix[c][1] * self.p["women_scale"]
                part.append({"meeting_id": mid, "participant_category": c, "participants": counts[c],
                             "women": self.binom(counts[c], share)})
            self.t["meeting_participation"].extend(part)
            tier = "one_matter" if self.rng.random() < 0.2 else ("group" if self.rng.random() < 0.3 else "regular")
            self.t["meetings"].append({
                "meeting_id": mid, "locality_id": locality, "grid_id": grid_id, "body_id": body, "meeting_date": when,
                "form": spec["form"], "mode": spec["mode"], "tier": tier, "procedure": spec["procedure"],
                "title": "", "participants": sum(r["participants"] for r in part),
                "women_participants": sum(r["women"] for r in part), "source": EXAMPLE_SOURCE})
            self._agenda(self.t["meetings"][-1], spec)

    def _agenda(self, meeting: dict, spec: dict) -> None:
        topics = {"environment": 18, "livelihood": 18, "governance": 10, "traffic_parking": 14, "housing_renovation": 8,
                  "party_building": 6, "public_health": 4, "policy_study": 4, "other": 3}
        if self.p["structure"] == "village":
            topics.update(industry=10, land_acquisition=3, traffic_parking=3, housing_renovation=2)
        n_items = 1 if meeting["tier"] == "one_matter" else self.rng.randint(1, 3)
        for k in range(n_items):
            topic = self.pick(topics)
            item = {"item_id": f"{meeting['meeting_id']}-{k + 1}", "meeting_id": meeting["meeting_id"], "topic": topic,
                    "title": self.rng.choice(AGENDA_TITLES[topic]), "decision": self.pick(DECISIONS)}
            if k == 0:
                meeting["title"] = item["title"]
            if spec["vote"]:
                p = meeting["participants"]
                if item["decision"] == "adopted":
                    item["votes_for"] = round(p * self.rng.uniform(0.6, 0.92))
                else:
                    item["votes_for"] = round(p * self.rng.uniform(0.15, 0.5))
                item["votes_against"] = self.rng.randint(0, max(0, (p - item["votes_for"]) // 2))
                item["votes_abstain"] = self.rng.randint(0, p - item["votes_for"] - item["votes_against"])
            if item["decision"] == "adopted":
                status = self.pick(IMPLEMENTATION)
                done = meeting["meeting_date"] + timedelta(days=self.rng.randint(3, 90))
                if status == "completed" and done > YEAR_END:
                    status = "in_progress"
                item["implementation_status"] = status
                if status == "completed":
                    item["completed_date"] = done
                    self._ratings(item["item_id"])
            self.t["agenda_items"].append(item)

    def _ratings(self, item_id: str) -> None:
        """丰和村-style evaluation: 1-5 stars on three dimensions, averaged over a small panel."""
        for dim in ("effectiveness", "resident_satisfaction", "enterprise_recognition"):
            raters = self.rng.randint(5, 15)
            stars = [min(5, max(1, round(self.rng.gauss(4.2, 0.8)))) for _ in range(raters)]
            self.t["agenda_ratings"].append({"item_id": item_id, "dimension": dim,
                                             "stars": round(sum(stars) / raters, 1), "raters": raters})

    def projects(self) -> None:
        spec = self.p["projects"]
        titles = self.rng.sample(PROJECT_TITLES, spec["nominated"])
        voters = spec["voters"]
        for i, title in enumerate(titles, start=1):
            selected = i <= spec["selected"]
            row = {"project_id": f"P{YEAR}-{i:02d}", "locality_id": self.home, "title": title, "year": YEAR,
                   "voters": voters, "source": EXAMPLE_SOURCE}
            if selected:
                row["votes"] = round(voters * self.rng.uniform(0.45, 0.75))
                row["stage"] = "completed" if i % 2 else "in_progress"
                row["supervision_visits"] = self.rng.randint(2, 6)
                row["suggestions"] = self.rng.randint(4, 15)
                if row["stage"] == "completed":
                    row["completed_date"] = self.day(date(YEAR, 8, 1), date(YEAR, 12, 20))
            else:
                row["votes"] = round(voters * self.rng.uniform(0.1, 0.4))
                row["stage"] = "not_selected"
            self.t["livelihood_projects"].append(row)
        # the selection vote was a meeting; selected projects come back as agenda items there
        votes = [m for m in self.t["meetings"] if m["form"] in ("council_hall", "online_vote", "representatives_meeting")]
        if votes:
            meeting = votes[len(votes) // 4]
            for k, row in enumerate(r for r in self.t["livelihood_projects"] if r["stage"] != "not_selected"):
                item = {"item_id": f"{meeting['meeting_id']}-P{k + 1}", "meeting_id": meeting["meeting_id"],
                        "topic": "livelihood", "title": row["title"], "decision": "adopted",
                        "implementation_status": "completed" if row["stage"] == "completed" else "in_progress",
                        "project_id": row["project_id"]}
                if row["stage"] == "completed":
                    row["completed_date"] = max(row["completed_date"], meeting["meeting_date"] + timedelta(days=30))
                    item["completed_date"] = row["completed_date"]
                    self._ratings(item["item_id"])
                self.t["agenda_items"].append(item)

    # ------------------------------------------------------------ cases
    def cases(self) -> None:
        grids = [g for g in self.t["grids"] if g["grid_level"] == "grid" and not g.get("valid_to")]
        meetings = [m for m in self.t["meetings"] if m["mode"] != "online"]
        weights = [g["households"] for g in grids]
        for n in range(1, self.p["cases"] + 1):
            source = self.pick(CASE_SOURCES)
            grid = self.rng.choices(grids, weights=weights)[0]
            meeting_id = ""
            reported = self.day()
            if self.rng.random() < 0.015:  # carried over from the previous year: dated outside the period
                reported = self.day(date(YEAR - 1, 11, 1), date(YEAR - 1, 12, 31))
                source = self.pick({k: v for k, v in CASE_SOURCES.items() if k != "meeting"})
            if source == "meeting":
                m = self.rng.choice(meetings)
                meeting_id, reported = m["meeting_id"], m["meeting_date"]
                if m["grid_id"]:
                    grid = next(g for g in grids if g["grid_id"] == m["grid_id"])
            level = self.pick(CASE_LEVELS)
            status = self.pick({"resolved": 90, "closed_unresolved": 4, "in_progress": 3, "received": 1, "withdrawn": 2})
            row = {"case_id": f"C{n:06d}", "locality_id": grid["locality_id"], "grid_id": grid["grid_id"],
                   "reported_date": reported, "category": self.pick(self.p["case_categories"]), "source": source,
                   "handling_level": level if status != "received" else "", "status": status,
                   "meeting_id": meeting_id}
            if status in self.closed:
                same_day, mean = DAYS_TO_CLOSE[level]
                days = 0 if self.rng.random() < same_day else 1 + int(self.rng.expovariate(1 / mean))
                closed = reported + timedelta(days=days)
                if closed > YEAR_END and self.rng.random() < 0.5:
                    row["status"] = "in_progress"
                else:  # some close after the period: collected in it, not closed by its end
                    row["closed_date"] = closed
                    if level == "grid":  # grid platforms time the handling in hours
                        hours = self.rng.uniform(0.5, 6) if days == 0 else days * 24 + self.rng.uniform(-12, 12)
                        row["hours_to_close"] = round(hours * 2) / 2
                    if self.rng.random() < 0.6:
                        good = status in self.solved
                        row["resident_rating"] = self.pick({5: 55, 4: 33, 3: 8, 2: 3, 1: 1} if good
                                                           else {5: 5, 4: 15, 3: 35, 2: 30, 1: 15})
            self.t["cases"].append(row)

    # ------------------------------------------------------------ volunteers
    def volunteers(self) -> None:
        teams = self.t["volunteer_teams"]
        for i, (name, focus) in enumerate(self.p["teams"], start=1):
            teams.append({"team_id": f"T{i:02d}", "locality_id": self.home, "name": name, "focus": focus,
                          "founded_date": self.day(date(2016, 1, 1), date(2021, 6, 30)), "source": EXAMPLE_SOURCE})
        sizes = Counter()
        for n in range(1, self.p["volunteers"] + 1):
            team = self.rng.choice(teams) if self.rng.random() < 0.9 else None
            party = self.rng.random() < 0.26
            earliest = team["founded_date"] if team else date(2016, 1, 1)
            row = {"volunteer_id": f"V{n:06d}", "locality_id": self.home, "team_id": team["team_id"] if team else "",
                   "gender": "female" if self.rng.random() < 0.6 else "male", "age_band": self.pick(SERVICE_AGE),
                   "party_member": party, "serving_party_member": party and self.rng.random() < 0.45,
                   "registered_date": self.day(earliest, date(YEAR, 11, 30)), "active": self.rng.random() < 0.86}
            if team:
                sizes[team["team_id"]] += 1
            self.t["volunteers"].append(row)
        for team in teams:
            team["members"] = sizes[team["team_id"]]

    def service_records(self) -> None:
        active = [v for v in self.t["volunteers"] if v["active"]]
        # serving party members are asked for regular service, so they serve more often
        weights = [4 if v["serving_party_member"] else 1 for v in active]
        focus = {t["team_id"]: t["focus"] for t in self.t["volunteer_teams"]}
        grids = [g["grid_id"] for g in self.t["grids"] if g["grid_level"] == "grid" and not g.get("valid_to")]
        seen = set()
        n = 0
        while n < self.p["service_records"]:
            v = self.rng.choices(active, weights=weights)[0]
            when = self.day(max(YEAR_START, v["registered_date"]), YEAR_END)
            if self.rng.random() < 0.01 and v["registered_date"] < date(YEAR - 1, 12, 1):  # late entries of last year
                when = self.day(date(YEAR - 1, 12, 1), date(YEAR - 1, 12, 31))
            if (v["volunteer_id"], when) in seen:  # one record per volunteer and day
                continue
            seen.add((v["volunteer_id"], when))
            n += 1
            category = focus.get(v["team_id"], "general") if self.rng.random() < 0.8 else self.pick(
                {"safety_patrol": 3, "waste_sorting": 3, "environment_cleaning": 2, "elderly_care": 2, "general": 2})
            self.t["service_records"].append({
                "record_id": f"R{n:06d}", "volunteer_id": v["volunteer_id"],
                "team_id": v["team_id"] if self.rng.random() < 0.9 else "", "service_date": when, "category": category,
                "hours": self.rng.choice([0.5, 1, 1, 1.5, 2, 2, 2, 3, 4]),
                "beneficiaries": self.rng.randint(1, 30) if self.rng.random() < 0.5 else "",
                "grid_id": self.rng.choice(grids)})
        self.t["service_records"].sort(key=lambda r: (r["service_date"], r["record_id"]))

    # ------------------------------------------------------------ points
    def points(self) -> None:
        spec = self.p["points"]
        events = []  # (date, scheme, holder_type, holder, kind, points, reason, item, record)
        # persons earn points for volunteer service
        party = {v["volunteer_id"] for v in self.t["volunteers"] if v["party_member"]}
        for r in self.t["service_records"]:
            if spec["person"] == "pioneer_index" and r["volunteer_id"] not in party:
                continue  # 先锋指数 rates party members only
            if self.rng.random() < 0.4:
                events.append((r["service_date"], spec["person"], "person", r["volunteer_id"], "earned",
                               int(r["hours"] * 10) or 5, "volunteer_service", "", r["record_id"]))
        if spec["household"] == "family_integrity":
            households = [f"H{i:04d}" for i in range(1, self.households + 1)]
            for h in households:  # yearly base, a few deductions and restorations
                events.append((YEAR_START, "family_integrity", "household", h, "annual_base", 100,
                               "annual_allocation", "", ""))
                if self.rng.random() < 0.06:
                    d = self.day(date(YEAR, 2, 1), date(YEAR, 9, 30))
                    lost = self.rng.choice([5, 10, 20])
                    events.append((d, "family_integrity", "household", h, "deducted", -lost, "rule_breach", "", ""))
                    if self.rng.random() < 0.5:
                        events.append((d + timedelta(days=self.rng.randint(30, 90)), "family_integrity", "household",
                                       h, "restored", lost, "good_conduct", "", ""))
            # the women's points supermarket rewards households too
            for h in self.rng.sample(households, len(households) // 2):
                for _ in range(self.rng.randint(1, 3)):
                    events.append((self.day(), spec["person"], "household", h, "earned", self.rng.choice([5, 10, 20]),
                                   self.pick({"family_virtue": 3, "environment_hygiene": 4, "good_conduct": 2}), "", ""))
        else:
            for i in range(1, spec["households"] + 1):
                earned = sorted((self.day(), self.rng.choice([2, 5, 10])) for _ in range(self.rng.randint(1, 4)))
                for when, pts in earned:
                    events.append((when, spec["household"], "household", f"H{i:04d}", "earned", pts,
                                   self.pick({"environment_hygiene": 4, "good_conduct": 3, "meeting_participation": 2}),
                                   "", ""))
                if self.rng.random() < 0.05:  # after the first points, never below zero
                    events.append((self.day(earned[0][0], YEAR_END), spec["household"], "household", f"H{i:04d}",
                                   "deducted", -min(self.rng.choice([2, 5]), earned[0][1]), "rule_breach", "", ""))
        events.sort(key=lambda e: (e[0], e[1], e[3], e[4]))
        # redemptions: a holder spends part of the balance at the supermarket, never more than held
        balance: dict[tuple, int] = defaultdict(int)
        last: dict[tuple, date] = {}
        for e in events:
            balance[(e[1], e[2], e[3])] += e[5]
            last[(e[1], e[2], e[3])] = e[0]
        redeem = []
        for key in sorted(balance):
            scheme, htype, holder = key
            if scheme == "family_integrity" or balance[key] < 10 or self.rng.random() < 0.4:
                continue
            amount = self.rng.randint(5, balance[key]) // 5 * 5
            when = self.day(last[key], YEAR_END)
            redeem.append((when, scheme, htype, holder, "redeemed", -amount, "exchange",
                           self.rng.choice(REDEEMED_ITEMS), ""))
        events = sorted(events + redeem, key=lambda e: (e[0], e[1], e[3], e[4]))
        for n, e in enumerate(events, start=1):
            self.t["points_transactions"].append({
                "transaction_id": f"X{n:06d}", "locality_id": self.home, "scheme": e[1], "holder_type": e[2],
                "holder_id": e[3], "transaction_date": e[0], "kind": e[4], "points": e[5], "reason": e[6],
                "redeemed_item": e[7], "service_record_id": e[8]})

    # ------------------------------------------------------------ surveys
    def _answer(self, question: str, sat: list[float]) -> str:
        if self.rng.random() < sum(NOT_VALID.values()):
            return self.pick(NOT_VALID)
        if question.startswith("SDG1672"):
            return self.pick(SAY)
        if question.startswith("PART_"):
            return self.pick(YES_NO)
        return self.pick(dict(zip(["very_satisfied", "satisfied", "neutral", "dissatisfied", "very_dissatisfied"], sat)))

    def surveys(self) -> None:
        frame = "本社区常住户(每户一名成年人)" if self.p["structure"] != "village" else "本村常住户(每户一名成年人)"
        s1, s2 = self.p["survey"], self.p["survey2"]
        self.t["surveys"] += [
            {"survey_id": f"SV{YEAR}-1", "locality_id": self.home, "title": f"{YEAR}年基层治理群众满意度入户调查",
             "mode": "face_to_face", "conductor": "locality", "sample_frame": frame, "frame_size": self.households,
             "sample_size": s1["sample"], "responses": s1["responses"], "start_date": date(YEAR, 10, 10),
             "end_date": date(YEAR, 10, 28), "satisfied_responses": "very_satisfied,satisfied",
             "source": EXAMPLE_SOURCE},
            {"survey_id": f"SV{YEAR}-2", "locality_id": self.home, "title": f"{YEAR}年第三方满意度电话测评",
             "mode": "phone", "conductor": "third_party", "sample_frame": frame, "frame_size": self.households,
             "sample_size": s2["sample"], "responses": s2["responses"], "start_date": date(YEAR, 11, 14),
             "end_date": date(YEAR, 11, 25), "satisfied_responses": "very_satisfied,satisfied",
             "source": EXAMPLE_SOURCE},
        ]
        for r in range(1, s1["responses"] + 1):
            gender = "female" if self.rng.random() < 0.53 else "male"
            age = self.pick(ADULT_AGE)
            for q, share in SURVEY_QUESTIONS:
                if self.rng.random() < share:
                    self.t["survey_answers"].append({
                        "survey_id": f"SV{YEAR}-1", "respondent_id": f"R{r:04d}", "question_code": q,
                        "response": self._answer(q, s1["sat"]), "gender": gender, "age_band": age})
        # the second survey publishes totals per question only
        for q in COUNT_QUESTIONS:
            counts = Counter(self._answer(q, s2["sat"]) for _ in range(s2["responses"]))
            for code in sorted(counts):
                self.t["survey_counts"].append({"survey_id": f"SV{YEAR}-2", "question_code": q, "response": code,
                                                "count": counts[code]})
        self._sdg_survey(frame)
        shares = self.p.get("shares_survey")
        if shares:  # a result published as percentages only: no sample size, no dates
            sid = f"SV{YEAR}-4"
            self.t["surveys"].append({"survey_id": sid, "locality_id": self.home, "title": shares["title"],
                                      "mode": "paper", "conductor": "higher_level", "publication": "shares",
                                      "satisfied_responses": "very_satisfied,satisfied", "source": shares["source"]})
            for code, share in shares["shares"].items():
                self.t["survey_counts"].append({"survey_id": sid, "question_code": "SAT_OVERALL", "response": code,
                                                "share": share})

    def _sdg_survey(self, frame: str) -> None:
        """A survey with the official SDG 16.7.2 questions and the SDG 16.6.2 government-services battery
        (and, where the profile asks, health care), answered by those who used the service in the past
        12 months; the others answer "not applicable". Weighted where the profile says so."""
        spec = self.p["sdg_survey"]
        sid = f"SV{YEAR}-3"
        self.t["surveys"].append({
            "survey_id": sid, "locality_id": self.home, "title": f"{YEAR}年公共服务与参与感调查(SDG 16.6.2 / 16.7.2 官方题组)",
            "mode": "face_to_face", "conductor": "research", "sample_frame": frame, "frame_size": self.households,
            "sample_size": spec["sample"], "responses": spec["responses"], "start_date": date(YEAR, 9, 5),
            "end_date": date(YEAR, 9, 23), "publication": "answers", "source": EXAMPLE_SOURCE})
        say = dict(zip(["not_at_all_5", "very_little_5", "some_5", "a_lot_5", "a_great_deal"], spec["say"]))
        influence = dict(zip(["not_at_all_5", "very_little_5", "some_5", "a_lot_5", "a_great_deal"], spec["influence"]))
        batteries = [("GOV", ["ACCESS", "AFFORD", "EQUAL", "PROCESS", "TIMELY"], spec["gov"])]
        if "health" in spec:
            batteries.append(("HEALTH", ["ACCESS", "AFFORD", "FACILITY", "EQUAL", "COURTESY"], spec["health"]))
        weights = {"18-34": 1.6, "35-44": 1.2, "45-59": 0.9, "60-69": 0.8, "70+": 0.7}
        for r in range(1, spec["responses"] + 1):
            gender = "female" if self.rng.random() < 0.55 else "male"
            age = self.pick(ADULT_AGE)
            weight = round(weights[age] * self.rng.uniform(0.9, 1.1), 3) if spec.get("weighted") else ""

            def answer(q, response):
                self.t["survey_answers"].append({"survey_id": sid, "respondent_id": f"R{r:04d}", "question_code": q,
                                                 "response": response, "gender": gender, "age_band": age,
                                                 "weight": weight})

            for q, dist in (("SDG1672S_SAY", say), ("SDG1672S_INFLUENCE", influence)):
                answer(q, self.pick(NOT_VALID) if self.rng.random() < 0.05 else self.pick(dist))
            for service, attributes, positive in batteries:
                used = self.rng.random() < spec["used"]
                for a in attributes:
                    if not used:
                        response = "not_applicable"
                    elif self.rng.random() < 0.03:
                        response = "dont_know"
                    elif self.rng.random() < positive:
                        response = "strongly_agree" if self.rng.random() < 0.3 else "agree"
                    else:
                        response = "strongly_disagree" if self.rng.random() < 0.25 else "disagree"
                    answer(f"SDG1662S_{service}_{a}", response)
                if not used:
                    overall = "not_applicable"
                elif self.rng.random() < positive + 0.03:
                    overall = "very_satisfied_4" if self.rng.random() < 0.35 else "satisfied_4"
                else:
                    overall = "very_dissatisfied_4" if self.rng.random() < 0.2 else "dissatisfied_4"
                answer(f"SDG1662S_{service}_OVERALL", overall)

    # ------------------------------------------------------------ facilities, schemes, ratings, roles
    def facilities(self) -> None:
        village = self.p["structure"] == "village"
        top = [g for g in self.t["grids"] if g["grid_level"] == "grid" and not g.get("valid_to")]
        rows = [
            ("party_mass_service_centre", "党群服务中心", "community" if not village else "village", 1,
             "government_services,consultation,meetings,volunteering", date(2019, 6, 1), 680 if not village else 320),
            ("grid_service_station", "网格服务站", None, sum(g["has_meeting_venue"] for g in top),
             "consultation,mediation,meetings", date(2021, 3, 1), None),
            ("points_supermarket", "积分超市", None, 1, "points_redemption", date(2020, 9, 1), 40),
        ]
        if village:
            rows += [("village_group_service_point", "村民小组服务点", "village", len(top), "consultation,meetings",
                      date(2021, 5, 1), None),
                     ("women_home", "妇女之家", "village", 1, "consultation,child_care,culture", date(2018, 3, 8), 60)]
        else:
            rows += [("outdoor_worker_station", "户外劳动者驿站", None, 2 if self.p["structure"] == "street" else 1,
                      "rest,water,charging,toilet", date(2021, 10, 1), None),
                     ("elderly_canteen", "老年食堂", None, 1, "meals,elderly_care", date(2022, 4, 1), 150)]
        for i, (kind, name, tier, count, services, opened, area) in enumerate(rows, start=1):
            self.t["service_facilities"].append({
                "facility_id": f"F{i:02d}", "locality_id": self.home, "facility_kind": kind, "name": name, "tier": tier or "",
                "urban_rural": "rural" if village else "urban", "count": count, "count_qualifier": "exact",
                "services": services, "opening_date": opened, "area_m2": area or "", "source": EXAMPLE_SOURCE})

    def schemes(self) -> None:
        spec = self.p["points"]
        names = {"pioneer_index": "党员先锋指数", "energy_store": "积分能量仓", "behaviour_bank": "行为银行",
                 "family_integrity": "家庭诚信积分", "points_supermarket": "巾帼积分超市"}
        used = sorted({(t["scheme"], t["holder_type"]) for t in self.t["points_transactions"]})
        for i, (scheme, holder) in enumerate(used, start=1):
            holders = {t["holder_id"] for t in self.t["points_transactions"] if t["scheme"] == scheme and t["holder_type"] == holder}
            row = {"scheme_id": f"PS{i:02d}", "locality_id": self.home, "scheme": scheme, "name": names.get(scheme, scheme),
                   "holder_type": holder, "redemption_venue": "" if scheme == "family_integrity" else "points_supermarket",
                   "start_date": date(2020, 1, 1), "source": EXAMPLE_SOURCE}
            row["enrolled_households" if holder == "household" else "enrolled_persons"] = len(holders)
            if scheme == "family_integrity":
                row.update(yearly_base=100, restore_threshold=90)
            if scheme == "behaviour_bank":
                row.update(scoring_aspects=10, scoring_items=40)
            self.t["points_schemes"].append(row)

    def ratings(self) -> None:
        """网格堡垒指数: five categories of four items, scored yearly and quarterly for every grid."""
        cats = ["党建引领", "平安稳定", "服务群众", "环境整治", "队伍建设"]
        self.t["rating_schemes"].append({"scheme_id": "RS01", "locality_id": self.home, "name": "网格堡垒指数",
                                         "subject": "grid", "frequencies": "quarterly,yearly", "categories": len(cats),
                                         "items": 4 * len(cats), "max_score": 100, "source": EXAMPLE_SOURCE})
        for c, cat in enumerate(cats, start=1):
            for k in range(1, 5):
                self.t["rating_items"].append({"scheme_id": "RS01", "item_code": f"C{c}-{k:02d}", "category": cat,
                                               "title": f"{cat}第{k}项", "max_points": 5})
        top = [g for g in self.t["grids"] if g["grid_level"] == "grid" and not g.get("valid_to")]
        for period in (str(YEAR), f"{YEAR}-Q4"):
            scores = {g["grid_id"]: round(min(100, self.rng.gauss(86, 5)), 1) for g in top}
            ranked = sorted(scores, key=lambda g: -scores[g])
            for g in top:
                score = scores[g["grid_id"]]
                self.t["grid_ratings"].append({"grid_id": g["grid_id"], "scheme_id": "RS01", "period": period,
                                               "score": score, "grade": "A" if score >= 90 else ("B" if score >= 80 else "C"),
                                               "rank": ranked.index(g["grid_id"]) + 1})

    def roles(self) -> None:
        top = [g for g in self.t["grids"] if g["grid_level"] == "grid" and not g.get("valid_to")]
        roles = [("spokesperson", "person")] * 3 + [("community_partner", "organisation")] * 2 + [("core_volunteer", "person")] * 6
        for i, (role, kind) in enumerate(roles, start=1):
            row = {"holder_id": f"P{i:04d}", "locality_id": self.home, "role": role, "holder_kind": kind,
                   "start_date": self.day(date(2020, 1, 1), date(YEAR, 6, 30))}
            if kind == "person":
                row.update(gender="female" if self.rng.random() < 0.55 else "male", age_band=self.pick(SERVICE_AGE),
                           party_member=self.rng.random() < 0.4)
            if role == "core_volunteer":
                row["grid_id"] = self.rng.choice(top)["grid_id"]
            if i == 3:  # a spokesperson who stepped down before the period
                row["start_date"], row["end_date"] = date(2019, 5, 1), date(2021, 8, 31)
            self.t["community_roles"].append(row)

    # ------------------------------------------------------------ reported indicators
    def indicators(self) -> None:
        """Figures as the locality would publish them, consistent with its records."""
        t = self.t
        top = [g for g in t["grids"] if g["grid_level"] == "grid"]
        micro = [g for g in t["grids"] if g["grid_level"] == "micro_grid"]
        workers = set(self.std.codelist("staff_role").flagged("grid_worker"))
        n_workers = sum(s["role"] in workers for s in t["grid_staff"])
        leaders = [s for s in t["grid_staff"] if s["role"] == "building_leader"]
        micro_workers = [s for s in t["grid_staff"] if s["role"] == "micro_grid_worker"]
        part = t["meeting_participation"]
        adopted = [a for a in t["agenda_items"] if a.get("decision") == "adopted"]
        cases = t["cases"]
        closed = [c for c in cases if c["status"] in self.closed]
        days = sorted((c["closed_date"] - c["reported_date"]).days for c in closed)
        responses = [(a["question_code"], a["response"], 1) for a in t["survey_answers"]] + \
                    [(c["question_code"], c["response"], c["count"]) for c in t["survey_counts"]]
        valid = set(self.std.codelist("response_option").flagged("valid"))

        def tally(q, codes):
            return sum(n for qq, r, n in responses if qq == q and r in codes)

        hh_top = sum(g["households"] for g in top)
        figures = [
            ("grids", len(top), None),
            ("grid_workers", n_workers, None),
            ("households_per_grid", hh_top, len(top)),
            ("households_per_grid_worker", hh_top, n_workers),
            ("grids_with_venue_share", sum(g["has_meeting_venue"] for g in top), len(top)),
            ("meetings", len(t["meetings"]), None),
            ("meetings_per_1000_residents", len(t["meetings"]), self.residents),
            ("women_share_participants", sum(r["women"] for r in part), sum(r["participants"] for r in part)),
            ("agenda_items_completed_share",
             sum(a.get("implementation_status") == "completed" for a in adopted), len(adopted)),
            ("cases_collected", len(cases), None),
            ("cases_solved", sum(c["status"] in self.solved for c in cases), None),
            ("cases_closed_share", len(closed), len(cases)),
            ("median_days_to_close", _median(days), None),
            ("registered_volunteers", len(t["volunteers"]), None),
            ("volunteer_teams", len(t["volunteer_teams"]), None),
            ("volunteers_per_100_residents", len(t["volunteers"]), self.residents),
            ("service_hours", sum(r["hours"] for r in t["service_records"]), None),
            ("satisfaction_rate", tally("SAT_OVERALL", {"very_satisfied", "satisfied"}), tally("SAT_OVERALL", valid)),
            ("say_rate", tally("SDG1672_SAY", {"a_lot", "some"}), tally("SDG1672_SAY", valid)),
            ("response_rate", sum(s["responses"] for s in t["surveys"]), sum(s["sample_size"] for s in t["surveys"])),
        ]
        if micro:
            figures.append(("micro_grids", len(micro), None))
        if micro_workers:
            figures += [("micro_grid_workers", len(micro_workers), None),
                        ("households_per_micro_grid_worker", sum(g["households"] for g in micro), len(micro_workers))]
        if leaders:
            figures += [("building_leaders", len(leaders), None),
                        ("building_leaders_party_share", sum(s["party_member"] for s in leaders), len(leaders))]
        for code, num, den in figures:
            self._indicator(code, num, den, "exact", "")
        for code, value, qualifier, note in self.p["reported"]:
            if isinstance(value, tuple):
                self._indicator(code, value[0], value[1], qualifier, note)
            else:
                self._indicator(code, value, None, qualifier, note)
        t["indicators"].sort(key=lambda r: r["indicator_code"])

    def _indicator(self, code, num, den, qualifier, note) -> None:
        ind = self.std.indicator_by_code[code]
        comp = ind.get("computation") or {}
        scale = comp.get("scale", 100 if ind["unit"] == "percent" else 1)
        row = {"locality_id": self.home, "period": str(YEAR), "indicator_code": code, "method": "reported",
               "value_qualifier": qualifier, "unit": ind["unit"], "source": EXAMPLE_SOURCE, "note": note}
        if den is None:
            row["value"] = num
        else:
            row.update(numerator=num, denominator=den, value=round(num / den * scale, 1))
        self.t["indicators"].append(row)

    # ------------------------------------------------------------ all
    def build(self) -> dict[str, list[dict]]:
        self.localities()
        self.grids()
        self.grid_staff()
        self.bodies()
        self.meetings()
        self.projects()
        self.cases()
        self.volunteers()
        self.service_records()
        self.points()
        self.surveys()
        for table, make in (("service_facilities", self.facilities), ("points_schemes", self.schemes),
                            ("rating_schemes", self.ratings), ("community_roles", self.roles)):
            if table in self.t:  # the tables of standard 2.0
                make()
        return self.t


def _median(values: list) -> float:
    if not values:
        return 0
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def metadata(profile: dict) -> dict:
    return {
        "name": profile["name"],
        "title": profile["title"],
        "title_en": profile["title_en"],
        "description": profile["description"],
        "locality_id": profile["home"][0],
        "locality_name": profile["home"][1],
        "province_code": profile["province_code"],
        "period": str(YEAR),
        "publisher": {"name": "基层治理开放数据标准项目(示例数据) Jiceng Open Data Standard project (example data)"},
        "licenses": [LICENSE],
        "sources": [{"title": "由 jiceng.examples 生成,规模参照公开案例 generated by jiceng.examples after published cases"}],
        "example": True,
    }


def build_tables(profile: dict, std: Standard | None = None) -> dict[str, list[dict]]:
    return _Builder(profile, std or current()).build()


def generate(outdir: str | Path, std: Standard | None = None) -> list[Path]:
    """Write every example package under `outdir`; returns the package folders."""
    std = std or current()
    out = []
    for profile in PROFILES:
        folder = Path(outdir) / profile["name"]
        tables = build_tables(profile, std)
        write_package(folder, metadata(profile), tables, std)
        # the published figures are what the package's own records give under the catalogue's definitions
        tables["indicators"] = reported_figures(profile, folder, std)
        write_package(folder, metadata(profile), tables, std)
        out.append(folder)
    return out


# Figures each example publishes (computed from its records, rounded as a locality would publish them).
FIGURES = ["grids", "micro_grids", "grid_workers", "micro_grid_workers", "households_per_grid",
           "households_per_grid_worker", "households_per_micro_grid_worker", "grids_with_venue_share",
           "building_leaders", "building_leaders_party_share", "meetings", "meetings_per_1000_residents",
           "women_share_participants", "agenda_items_completed_share", "cases_collected", "cases_solved",
           "cases_closed_share", "median_days_to_close", "median_hours_to_close", "cases_closed_within_2h_share",
           "registered_volunteers", "volunteer_teams", "volunteers_per_100_residents", "service_hours",
           "response_rate"]


def reported_figures(profile: dict, folder: Path, std: Standard) -> list[dict]:
    from .indicators import indicators
    from .load import load

    ind = indicators(load(folder, validate=False, standard=std))
    ind = ind[ind["origin"] == "records"]
    total = ind[ind["survey_id"].isna() & ind[["sex", "age_band", "case_category", "case_source"]].isna().all(axis=1)]
    rows = []

    def add(row, code, note="", **dims):
        cat = std.indicator_by_code[code]
        scale = (cat.get("computation") or {}).get("scale", 1)
        out = {"locality_id": profile["home"][0], "period": str(YEAR), "indicator_code": code, "method": "reported",
               "value_qualifier": "exact", "unit": cat["unit"], "source": EXAMPLE_SOURCE, "note": note, **dims}
        num, den, value = row["numerator"], row["denominator"], row["value"]
        if cat["unit"] == "percent" or (den == den and cat["unit"] != "count" and num == num and scale != 1):
            out.update(numerator=_int(num), denominator=_int(den), value=round(float(num) / float(den) * scale, 1))
        elif cat["unit"] in ("count",):
            out["value"] = _int(value)
        else:
            out["value"] = round(float(value), 1)
        rows.append(out)

    for code in FIGURES:
        row = total[total["indicator_code"] == code]
        if len(row) and row.iloc[0]["value"] == row.iloc[0]["value"]:
            add(row.iloc[0], code)
    # grid workers by sex: an observation with a breakdown dimension
    for sex in ("female", "male"):
        row = ind[(ind["indicator_code"] == "grid_workers") & (ind["sex"] == sex) & ind["survey_id"].isna()]
        if len(row):
            add(row.iloc[0], "grid_workers", "按性别(示例)", sex=sex)
    # survey rates are published per survey, with the survey named in the note
    for code, sid, note in (("satisfaction_rate", f"SV{YEAR}-2", "第三方电话测评(SV{0}-2)".format(YEAR)),
                            ("sdg_16_7_2", f"SV{YEAR}-3", "SDG 16.7.2 官方题组调查(SV{0}-3)".format(YEAR))):
        row = ind[(ind["indicator_code"] == code) & (ind["survey_id"] == sid) & ind["sex"].isna() & ind["age_band"].isna()]
        if len(row) and row.iloc[0]["value"] == row.iloc[0]["value"]:
            r = row.iloc[0]
            out = {"locality_id": profile["home"][0], "period": str(YEAR), "indicator_code": code, "method": "reported",
                   "value_qualifier": "exact", "unit": "percent", "source": EXAMPLE_SOURCE, "note": note,
                   "value": round(float(r["value"]), 1)}
            if r["denominator"] == r["denominator"]:
                out["denominator"] = _int(r["n_valid"])
                out["numerator"] = _int(r["numerator"]) if r["numerator"] == r["numerator"] else ""
                if out["numerator"] != "":
                    out["value"] = round(out["numerator"] / out["denominator"] * 100, 1)
            rows.append(out)
    for code, value, qualifier, note in profile["reported"]:
        cat = std.indicator_by_code[code]
        out = {"locality_id": profile["home"][0], "period": str(YEAR), "indicator_code": code, "method": "reported",
               "value_qualifier": qualifier, "unit": cat["unit"], "source": EXAMPLE_SOURCE, "note": note}
        if isinstance(value, tuple):
            out.update(numerator=value[0], denominator=value[1], value=round(value[0] / value[1] * 100, 1))
        else:
            out["value"] = value
        rows.append(out)
    rows.sort(key=lambda r: (r["indicator_code"], r.get("sex") or ""))
    return rows


def _int(v):
    return int(round(v)) if v == v else ""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("用法 usage: python -m jiceng.examples OUTDIR", file=sys.stderr)
        return 2
    for folder in generate(argv[0]):
        print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
