"""Build datapackages/seed-cases: the figures published in the seed case reports, as a package.

    python scripts/build_seed_cases.py [OUTDIR]     # default: datapackages/seed-cases

Every row cites its seed file and quotes the words the figure comes from, so a reader can check
it: "seeds/<file>: <quote>" (several quotes are joined by " … "). The quotes are exact text of the
seeds, including the traditional characters of the Hunan report. Nothing is estimated: a figure
published as "3000余" is value 3000 with qualifier "over", "约" is "approx", and ratios carry the
published counts as numerator and denominator. Official codes are used only for units whose
12-digit code is known for certain; every lower unit has a derived identifier under its parent.

Rerunning writes byte-identical files.
"""
from __future__ import annotations

import sys
from pathlib import Path

from jiceng.package import write_package
from jiceng.standard import current

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "datapackages" / "seed-cases"

SEEDS = {
    "xinhong": "seeds/000_fdf760986f761b96.txt",   # 新宏社区“湾嫂议事厅”
    "hangzhou": "seeds/001_e2049f82b86846ef.txt",  # 上城区、钱塘区、建德 news page
    "yuhu": "seeds/003_72bf43e99eb41273.txt",      # 雨湖区(traditional characters)
    "zhangxian": "seeds/004_1dcb94e03fb79fa9.txt",  # 漳县
}


def cite(seed: str, *quotes: str) -> str:
    return f"{SEEDS[seed]}: " + " … ".join(quotes)


# ------------------------------------------------------------------ localities
# (locality_id, name, name_en, level, parent_id, coded, seed, quote, extra fields)
LOCALITIES = [
    ("330000000000", "浙江省", "Zhejiang", "province", "", True, "xinhong", "浙江省杭州市新宏社区", {}),
    ("330100000000", "杭州市", "Hangzhou", "prefecture", "330000000000", True, "xinhong", "浙江省杭州市新宏社区", {}),
    ("330102000000", "上城区", "Shangcheng", "county", "330100000000", True, "hangzhou", "杭州市上城区南星街道", {}),
    ("330102000000-NANXING", "南星街道", "Nanxing", "township", "330102000000", False, "hangzhou",
     "杭州市上城区南星街道", {}),
    ("330102000000-NANXING-MZQ", "美政桥社区", "Meizhengqiao", "community", "330102000000-NANXING", False, "hangzhou",
     "南星街道美政桥社区", {}),
    ("330102000000-NANXING-MANTOUSHAN", "馒头山社区", "Mantoushan", "community", "330102000000-NANXING", False, "hangzhou",
     "杭州市上城区南星街道馒头山社区", {}),
    ("330102000000-WENNONGKOU", "闻弄口街道", "Wennongkou", "township", "330102000000", False, "hangzhou",
     "杭州市上城区闻弄口街道", {}),
    ("330102000000-WENNONGKOU-CHUNHUI", "春晖社区", "Chunhui", "community", "330102000000-WENNONGKOU", False, "hangzhou",
     "杭州市上城区闻弄口街道春晖社区党群服务中心", {}),
    ("330102000000-KAIXUAN", "凯旋街道", "Kaixuan", "township", "330102000000", False, "hangzhou",
     "杭州市上城区凯旋街道南肖埠社区", {}),
    ("330102000000-KAIXUAN-NANXIAOBU", "南肖埠社区", "Nanxiaobu", "community", "330102000000-KAIXUAN", False,
     "hangzhou", "杭州市上城区凯旋街道南肖埠社区", {}),
    ("330114000000", "钱塘区", "Qiantang", "county", "330100000000", True, "hangzhou", "在杭州市钱塘区", {}),
    ("330114000000-XINWAN", "新湾街道", "Xinwan", "township", "330114000000", False, "xinhong",
     "“湾”取自于新湾街道中的“湾”字", {}),
    ("330114000000-XINWAN-XINHONG", "新宏社区", "Xinhong", "community", "330114000000-XINWAN", False, "xinhong",
     "新宏社区于2020年5月9日经钱塘新区管委会批准成立,楼盘规划户数7123户,现有户籍人口1302人,常住人口3350人",
     {"planned_households": 7123, "registered_population": 1302, "resident_population": 3350,
      "established_date": "2020-05-09",
      "note": "批准机关为当时的钱塘新区管委会;人口为案例所称“现有”,未注明时点。"
              "Approved by the then Qiantang New Area; population is 'current' as of the report, date not given."}),
    ("330114000000-BAIYANG", "白杨街道", "Baiyang", "township", "330114000000", False, "hangzhou",
     "白杨街道楼道长数量约占钱塘区的40%", {}),
    ("330114000000-BAIYANG-LINLI", "邻里社区", "Linli", "community", "330114000000-BAIYANG", False, "hangzhou",
     "在白杨街道邻里社区", {}),
    ("330114000000-BAIYANG-YUEYAYUAN", "月雅苑社区", "Yueyayuan", "community", "330114000000-BAIYANG", False,
     "hangzhou", "白杨街道月雅苑社区", {}),
    ("330114000000-BAIYANG-DABEI", "大北社区", "Dabei", "community", "330114000000-BAIYANG", False, "hangzhou",
     "大北社区则从“找到人、培养人、用好人”三个维度出发", {}),
    ("330182000000", "建德市", "Jiande", "county", "330100000000", True, "hangzhou", "杭州市建德下涯镇丰和村", {}),
    ("330182000000-XIAYA", "下涯镇", "Xiaya", "township", "330182000000", False, "hangzhou", "杭州市建德下涯镇丰和村", {}),
    ("330182000000-XIAYA-FENGHE", "丰和村", "Fenghe", "village", "330182000000-XIAYA", False, "hangzhou",
     "丰和村位于建德市经济开发区核心区", {}),
    ("330182000000-YANGXI", "洋溪街道", "Yangxi", "township", "330182000000", False, "hangzhou",
     "杭州市建德洋溪街道江城嘉苑", {}),
    ("330182000000-YANGXI-YANGAN", "洋安社区", "Yang'an", "community", "330182000000-YANGXI", False, "hangzhou",
     "一方面洋安社区坚持", {}),
    ("330182000000-YANGXI-JCJY", "江城嘉苑", "Jiangcheng Jiayuan", "compound", "330182000000-YANGXI", False, "hangzhou",
     "杭州市建德洋溪街道江城嘉苑", {"note": "小区;所属社区报道未注明,挂在街道之下。"
                                              "Compound; its community is not named in the report, so it sits under the street."}),
    ("430000000000", "湖南省", "Hunan", "province", "", True, "yuhu", "2018年6月,省民政廳正式批復(fù)確認(rèn)雨湖區(qū)",
     {"note": "报道称“省民政厅”,湘潭市属湖南省。The report says 'the provincial civil-affairs department'; Xiangtan is in Hunan."}),
    ("430300000000", "湘潭市", "Xiangtan", "prefecture", "430000000000", True, "yuhu", "湘潭被確定為全國(guó)市域社會(huì)治理現(xiàn)代化", {}),
    ("430302000000", "雨湖区", "Yuhu", "county", "430300000000", True, "yuhu", "今天一起去雨湖區(qū)看", {}),
    ("620000000000", "甘肃省", "Gansu", "province", "", True, "zhangxian", "甘肃省市域社会治理百强案例", {}),
    ("621100000000", "定西市", "Dingxi", "prefecture", "620000000000", True, "zhangxian", "党建带妇建,基层治理的漳县路径",
     {"note": "报道未提定西市;漳县属定西市。The report does not name Dingxi; Zhang county belongs to it."}),
    ("621125000000", "漳县", "Zhangxian", "county", "621100000000", True, "zhangxian", "党建带妇建,基层治理的漳县路径", {}),
]

# ------------------------------------------------------------------ deliberative bodies
# (body_id, locality_id, name, form, fields, seed, quotes)
BODIES = [
    ("XINHONG-WANSAO", "330114000000-XINWAN-XINHONG", "湾嫂议事厅", "council_hall",
     {"members": 35, "min_member_age": 30, "max_member_age": 70, "meeting_day_of_month": 20,
      "established_month": "2020-04", "meeting_frequency": "monthly", "min_meetings_per_frequency": 1},
     "xinhong", ["“湾嫂议事厅”成立于2020年4月", "“嫂”源于成立之初成员均为女性",
                 "目前湾嫂队伍共有35名主要成员,年龄跨度为30至70岁", "将每月20日确定为湾嫂线下固定议事日"]),
    ("XINHONG-CLOUD", "330114000000-XINWAN-XINHONG", "湾嫂“云端议事厅”", "cloud_council",
     {"online_platform": "浙政钉、微信群"},
     "xinhong", ["利用浙政钉、微信群建成24小时“云端议事厅”议事平台"]),
    ("NANXING-GRIDDAY", "330102000000-NANXING", "网格议事日", "grid_council_day", {},
     "hangzhou", ["都可以在‘网格议事日’商议讨论,网格党支部牵头第一时间进行处理、协调和反馈"]),
    ("NANXIAOBU-SUPERVISION", "330102000000-KAIXUAN-NANXIAOBU", "南肖埠人大代表联络站民生实事项目督办小组",
     "deputies_liaison", {"members": 25},
     "hangzhou", ["南肖埠人大代表联络站的25位能力强、经验足、肯办事的“人大代表+议事成员+居民”民生实事项目督办小组"]),
    ("FENGHE-TANGWU", "330182000000-XIAYA-FENGHE", "堂屋议事会", "house_council", {},
     "hangzhou", ["“堂屋议事会”是丰和村围绕“村+企”合作共赢"]),
    ("FENGHE-WUFANG", "330182000000-XIAYA-FENGHE", "堂屋议事会(五方议事会)", "five_party_council",
     {"procedure": "six_step_loop"},
     "hangzhou", ["现在的议事会升级成了‘镇+开发区+村+群众+企业’的五方议事会"]),
    ("JCJY-TUCAO", "330182000000-YANGXI-JCJY", "吐槽大会", "complaint_session", {},
     "hangzhou", ["小区办起‘吐槽大会’,居民可以畅所欲言提意见"]),
]

# ------------------------------------------------------------------ volunteer teams
# (team_id, locality_id, name, focus, members, seed, quote)
TEAMS = [
    ("XINHONG-DV", "330114000000-XINWAN-XINHONG", "家暴帮助小组", "vulnerable_groups", None, "xinhong",
     "成立家暴帮助小组1个,智慧处理辖区内群众反应家暴问题"),
    ("XINHONG-FLOOD", "330114000000-XINWAN-XINHONG", "防汛巾帼队", "flood_response", None, "xinhong",
     "组建防汛巾帼队,摸排防汛薄弱点,帮助转移危房居民和独居老人"),
    ("XINHONG-AILIAO", "330114000000-XINWAN-XINHONG", "湾嫂爱疗屋", "psychological_support", 5, "xinhong",
     "揭牌成立“湾嫂爱疗屋”心理咨询室,5位公益咨询师"),
    ("XINWAN-ROSE", "330114000000-XINWAN", "沙地玫瑰巾帼志愿队", "general", None, "xinhong",
     "街道沙地玫瑰巾帼志愿队"),
    ("MZQ-HONGLIN", "330102000000-NANXING-MZQ", "红邻微管", "general", None, "hangzhou",
     "南星街道美政桥社区成立了“红邻微管”志愿服务队"),
    ("DABEI-SIJI", "330114000000-BAIYANG-DABEI", "四季邦邦", "general", None, "hangzhou",
     "“四季邦邦”“文明找茬”“晚晴"),
    ("DABEI-ZHAOCHA", "330114000000-BAIYANG-DABEI", "文明找茬", "general", None, "hangzhou",
     "“四季邦邦”“文明找茬”“晚晴"),
    ("DABEI-WANQING", "330114000000-BAIYANG-DABEI", "晚晴互助", "general", None, "hangzhou",
     "互助”等8支小区志愿服务队"),
]

# ------------------------------------------------------------------ indicators
# (locality_id, period, code, value, qualifier, numerator, denominator, seed, quotes, note)
# For a ratio, value is numerator/denominator × scale to one decimal; the published rounded
# figure is kept in the note.
XH, NX, WNK, KX = "330114000000-XINWAN-XINHONG", "330102000000-NANXING", "330102000000-WENNONGKOU", "330102000000-KAIXUAN"
YEAR_NOTE = "报道称“今年”,年份按报道年份2022年。The report says 'this year'; year taken as that of the report, 2022."
INDICATORS = [
    # 新宏社区
    (XH, "2020-04", "women_share_body_members", 100, "exact", None, None, "xinhong",
     ["“湾嫂议事厅”成立于2020年4月", "“嫂”源于成立之初成员均为女性"],
     "湾嫂议事厅成立之初成员均为女性;人数未公布。All members were women when the council was founded; numbers not published."),
    (XH, "2022", "body_members", 35, "exact", None, None, "xinhong", ["目前湾嫂队伍共有35名主要成员"], "湾嫂议事厅主要成员"),
    (XH, "2022", "proposals_collected", 15, "exact", None, None, "xinhong", ["共征集乡村振兴金点子15条"],
     "“我为乡村振兴献一计”活动;年份按案例所述2022年。Year taken as the report's, 2022."),
    (XH, "2022", "households_visited", 107, "exact", None, None, "xinhong", ["2022年目前共计走访困难家庭107户"], ""),
    (XH, "2022", "family_files", 115, "exact", None, None, "xinhong", ["建立家庭档案115户"], ""),
    (XH, "2022", "cases_solved", 45, "exact", None, None, "xinhong", ["发现并推动解决各类问题数45个"], ""),
    (XH, "2022", "care_points", 2, "exact", None, None, "xinhong", ["设置爱心点2处,为受灾居民提供暖心帮扶"], "防汛巾帼队设置"),
    # 上城区
    (WNK, "2022", "party_members_in_grids", 1000, "over", None, None, "hangzhou",
     ["截至目前,闻弄口街道已调动1000余名党员力量下沉网格开展为民服务"], YEAR_NOTE),
    (KX, "2022", "livelihood_project_voters", 3000, "over", None, None, "hangzhou",
     ["今年的投票活动累计参与群众达3000余人次"], "人次 (person-times). " + YEAR_NOTE),
    (KX, "2022", "livelihood_projects_selected", 4, "exact", None, None, "hangzhou",
     ["最终在街道居民议事会议上票选产生4个街道民生实事项目"], YEAR_NOTE),
    (KX, "2022", "project_supervision_visits", 16, "exact", None, None, "hangzhou",
     ["人大凯旋街道工委对民生实事项目开展监督16次"], YEAR_NOTE),
    (KX, "2022", "project_suggestions", 45, "exact", None, None, "hangzhou",
     ["对项目实施方案、建设进度、建设工期等提出意见建议45条"], YEAR_NOTE),
    # 钱塘区
    ("330114000000", "2022", "building_leaders", 2795, "exact", None, None, "hangzhou", ["现有楼道长2795人,党员921人"],
     "报道称“现有”。'Current' as of the report (2022)."),
    ("330114000000", "2022", "building_leaders_party_share", None, "exact", 921, 2795, "hangzhou",
     ["现有楼道长2795人,党员921人"], "楼道长中党员921人。921 of the building leaders are party members."),
    ("330114000000-BAIYANG-LINLI", "2022", "micro_grid_workers", 53, "exact", None, None, "hangzhou",
     ["设置53名“微网格员”,人均管理65"], ""),
    ("330114000000-BAIYANG-LINLI", "2022", "households_per_micro_grid_worker", 65, "exact", None, None, "hangzhou",
     ["设置53名“微网格员”,人均管理65"], "只公布人均数,未公布总户数。Only the average is published, not the total households."),
    ("330114000000-BAIYANG-YUEYAYUAN", "2022", "grids", 7, "exact", None, None, "hangzhou",
     ["目前,月雅苑社区7个网格已实现议事阵地全覆盖"], ""),
    ("330114000000-BAIYANG-YUEYAYUAN", "2022", "grids_with_venue_share", None, "exact", 7, 7, "hangzhou",
     ["目前,月雅苑社区7个网格已实现议事阵地全覆盖"], "全覆盖 (all grids)"),
    ("330114000000-BAIYANG-DABEI", "2022", "volunteer_teams", 8, "exact", None, None, "hangzhou",
     ["互助”等8支小区志愿服务队"], "全年常态化开展垃圾分类、平安巡逻、关爱弱势群体等志愿服务"),
    # 建德
    ("330182000000-XIAYA-FENGHE", "2022", "cleaners", 1, "exact", None, None, "hangzhou",
     ["全村的保洁员大大减少,目前只保留1名"], "“人人都是保洁员”后保留的保洁员。Cleaners kept after 'everyone a cleaner'."),
    ("330182000000-YANGXI-JCJY", "2022", "cases_solved", 20, "over", None, None, "hangzhou",
     ["短短1个月,已经解决小区“烦心事”20余件"], "吐槽大会开办后1个月内;月份未注明。Within one month of the complaint sessions starting; month not given."),
    ("330182000000-YANGXI-YANGAN", "2022", "cadres_deployed", 70, "over", None, None, "hangzhou",
     ["截至目前共计投入街社干部70余人"], "大排查累计。Cumulative, for the door-to-door sweep."),
    ("330182000000-YANGXI-YANGAN", "2022", "grid_force", 200, "over", None, None, "hangzhou",
     ["网格力量200余人"], "大排查累计。Cumulative, for the door-to-door sweep."),
    ("330182000000-YANGXI-YANGAN", "2022", "residents_visited", 8000, "over", None, None, "hangzhou",
     ["摸排住户累计8000余人"], "累计。Cumulative."),
    ("330182000000-YANGXI", "2022", "serving_party_member_weekly_services", 3, "over", None, None, "hangzhou",
     ["确保在职党员每周至少参加3次以上社区服务"], "目标要求,不是实际完成数。A requirement, not an achieved figure."),
    # 雨湖区
    ("430302000000", "2020", "grids", 473, "exact", None, None, "yuhu",
     ["按照“街巷定界、規(guī)模適度、無(wú)縫覆蓋、動(dòng)態(tài)調(diào)整”的原則,共劃分473個(gè)網(wǎng)格"],
     "统一党建、综治、自治、服务四类网格为“大网格”。报道未注明日期,不早于2020年5月。"
     "Four grid kinds unified into one; the report is undated, not earlier than May 2020."),
    ("430302000000", "2020", "social_organisations", 152, "exact", None, None, "yuhu",
     ["新景家園“睦鄰社”等152家社區(qū)社會(huì)組織"],
     "报道未注明日期,不早于2020年5月。The report is undated, not earlier than May 2020."),
    # 漳县 (report of 2022-12-08)
    ("621125000000", "2022", "village_committee_members", 573, "exact", None, None, "zhangxian",
     ["漳县573名村委会成员"], "换届后。After the 2021 committee elections."),
    ("621125000000", "2022", "village_committee_women_share", None, "exact", 237, 573, "zhangxian",
     ["漳县573名村委会成员,女性237名,占41%"], "公布为41%。Published as 41%."),
    ("621125000000", "2022", "village_committee_under35_share", None, "exact", 367, 573, "zhangxian",
     ["年龄35岁以下367名,占64%"], "公布为64%。Published as 64%."),
    ("621125000000", "2022", "village_committee_college_share", None, "exact", 348, 573, "zhangxian",
     ["文化程度大专以上348名,占61%"], "公布为61%。Published as 61%."),
    ("621125000000", "2022", "women_organisations", 153, "exact", None, None, "zhangxian", ["在全县建立妇女组织153个"], ""),
    ("621125000000", "2022", "women_workers", 2675, "exact", None, None, "zhangxian", ["妇女工作者达到了2675人"], ""),
    ("621125000000", "2021/..", "meetings", 700, "over", None, None, "zhangxian", ["去年以来共开展议事协商活动700余次"],
     "2021年以来累计。Cumulative since 2021."),
    ("621125000000", "2021/..", "volunteer_teams", 56, "exact", None, None, "zhangxian", ["组建志愿队伍56个"],
     "2021年以来组建。Formed since 2021."),
    ("621125000000", "2021/..", "registered_volunteers", 8000, "over", None, None, "zhangxian", ["登记社区志愿者8000多名"],
     "2021年以来登记。Registered since 2021."),
    ("621125000000", "2021/..", "social_organisations", 59, "exact", None, None, "zhangxian", ["培育本土社会组织59个"],
     "本土社会组织,2021年以来培育。Local organisations fostered since 2021."),
    ("621125000000", "2022", "service_centres", 140, "exact", None, None, "zhangxian",
     ["在全县5个城市社区,135个农村社区建立社区服务中心"],
     "由城乡两项相加 5 + 135。The sum of the urban and rural figures, 5 + 135.", {"method": "derived", "derived_from": "service_centres"}),
    ("621125000000", "2022", "service_centres", 5, "exact", None, None, "zhangxian",
     ["在全县5个城市社区,135个农村社区建立社区服务中心"], "", {"urban_rural": "urban"}),
    ("621125000000", "2022", "service_centres", 135, "exact", None, None, "zhangxian",
     ["在全县5个城市社区,135个农村社区建立社区服务中心"], "", {"urban_rural": "rural"}),
    ("621125000000", "2021/..", "x_zhangxian_publicity_boards", 140, "exact", None, None, "zhangxian",
     ["去年以来完成了村务公开目录修订,新建、改建公开栏140个"], "", {"published_date": "2022-12-08"}),
    ("621125000000", "2021/..", "x_zhangxian_wechat_groups", 140, "exact", None, None, "zhangxian",
     ["建微信公开群140个"], "", {"published_date": "2022-12-08"}),
    ("621125000000", "2022", "x_zhangxian_centre_service_items", 149, "exact", None, None, "zhangxian",
     ["汇党群服务、政务服务、生活服务等149项内容进驻"], "", {}),
    ("621125000000", "2022", "satisfaction_rate", 90, "over", None, None, "zhangxian",
     ["开展村务公开暗访、县级互查互评、第三方评估测评等", "近年来群众对城乡社区治理的满意度达到了90%以上"],
     "未公布样本、问题和计算方法;含第三方评估测评。Sample, question and formula not published; includes a third-party assessment."),
]


# ------------------------------------------------------------------ meetings published without a date
# (meeting_id, locality_id, form, mode, period, title, seed, quotes)
MEETINGS = [
    ("MANTOUSHAN-TRAFFIC", "330102000000-NANXING-MANTOUSHAN", "consultation", "offline", "2022",
     "大资福庙前及梵天寺道路交通环境专题议事", "hangzhou",
     ["近日,杭州市上城区南星街道馒头山社区发挥“墙门老支书”网格议事作用,就大资福庙前及梵天寺道路交通环境问题开展专题议事"]),
    ("KAIXUAN-PROJECT-VOTE", KX, "representatives_meeting", "offline", "2022", "街道居民议事会议(票选民生实事项目)", "hangzhou",
     ["最终在街道居民议事会议上票选产生4个街道民生实事项目"]),
]

# ------------------------------------------------------------------ schemes
POINTS_SCHEMES = [
    ({"scheme_id": "CHUNHUI-PIONEER", "locality_id": "330102000000-WENNONGKOU-CHUNHUI", "scheme": "pioneer_index",
      "name": "党员“先锋指数”评价管理体系", "holder_type": "person",
      "note": "约2011年(报道称“11年前”)在春晖社区试点;参加志愿服务、帮助群众解决问题可得积分。"
              "Piloted in Chunhui about 2011 ('11 years ago'); volunteering and solving residents' problems earn points."},
     "hangzhou", ["春晖社区试点推广了党员“先锋指数”评价管理体系,只要参加志愿服务,帮助群众解决问题,就能得到相应积分"]),
]
RATING_SCHEMES = [
    ({"scheme_id": "WENNONGKOU-FORTRESS", "locality_id": WNK, "name": "网格堡垒指数", "subject": "grid",
      "frequencies": "monthly,quarterly,yearly", "categories": 5, "items": 20,
      "note": "2022年9月在闻弄口街道推行;月评价、季赛马、年总结,形成网格支部的“堡垒分值”。"
              "Introduced in Wennongkou in September 2022: monthly ratings, quarterly contests, yearly review."},
     "hangzhou", ["今年9月,闻弄口街道推行‘网格堡垒", "重新梳理志愿服务、网格议事等“五大类二十项”工作机制,通过月评价、季赛马、年总结形式"]),
]
FACILITIES = [
    ({"facility_id": "ZX-CENTRES-URBAN", "locality_id": "621125000000", "facility_kind": "community_service_centre",
      "tier": "community", "urban_rural": "urban", "count": 5, "services": "government_services,consultation"},
     "zhangxian", ["在全县5个城市社区,135个农村社区建立社区服务中心,汇党群服务、政务服务、生活服务等149项内容进驻"]),
    ({"facility_id": "ZX-CENTRES-RURAL", "locality_id": "621125000000", "facility_kind": "community_service_centre",
      "tier": "village", "urban_rural": "rural", "count": 135, "services": "government_services,consultation"},
     "zhangxian", ["在全县5个城市社区,135个农村社区建立社区服务中心,汇党群服务、政务服务、生活服务等149项内容进驻"]),
]

# ------------------------------------------------------------------ local indicators (datapackage.json)
LOCAL_INDICATORS = [
    {"code": "x_zhangxian_publicity_boards", "title": "Village-affairs publicity boards built or rebuilt",
     "description": "Village-affairs publicity boards newly built or rebuilt.", "unit": "count",
     "zh": {"title": "新建改建村务公开栏", "description": "新建、改建的村(居)务公开栏个数。"}},
    {"code": "x_zhangxian_wechat_groups", "title": "Village-affairs WeChat groups",
     "description": "WeChat groups set up to publish village affairs.", "unit": "count",
     "zh": {"title": "村务微信公开群", "description": "为公开村(居)务建立的微信群个数。"}},
    {"code": "x_zhangxian_centre_service_items", "title": "Services offered at community service centres",
     "description": "Kinds of service (party, government, daily-life) offered at the community service centres.", "unit": "count",
     "zh": {"title": "社区服务中心进驻服务项目", "description": "进驻社区服务中心的党群、政务、生活等服务项目数。"}},
]


def build_tables(std=None) -> dict[str, list[dict]]:
    std = std or current()
    localities = []
    for loc_id, name, name_en, level, parent, coded, seed, quote, extra in LOCALITIES:
        localities.append({
            "locality_id": loc_id, "name": name, "name_en": name_en, "level": level, "parent_id": parent,
            "nbs_code": loc_id if coded else "", "code_edition": "2022" if coded else "",
            "source": cite(seed, quote), **extra})
    bodies = [{"body_id": bid, "locality_id": loc, "name": name, "form": form, "source": cite(seed, *quotes), **fields}
              for bid, loc, name, form, fields, seed, quotes in BODIES]
    teams = [{"team_id": tid, "locality_id": loc, "name": name, "focus": focus, "members": members,
              "source": cite(seed, quote)}
             for tid, loc, name, focus, members, seed, quote in TEAMS]
    indicators = []
    local = {i["code"]: i for i in LOCAL_INDICATORS}
    for loc, period, code, value, qualifier, num, den, seed, quotes, note, *extra in INDICATORS:
        ind = std.indicator_by_code.get(code) or local[code]
        attributes = dict(extra[0]) if extra else {}
        if period.endswith("/..") and loc == "621125000000":
            attributes.setdefault("published_date", "2022-12-08")
        if num is not None:
            scale = (ind.get("computation") or {}).get("scale", 100 if ind["unit"] == "percent" else 1)
            value = round(num / den * scale, 1)
        indicators.append({
            "locality_id": loc, "period": period, "indicator_code": code, "method": "reported", "value": value,
            "value_qualifier": qualifier, "numerator": num, "denominator": den, "unit": ind["unit"],
            "source": cite(seed, *quotes), "note": note, **attributes})
    meetings = [{"meeting_id": mid, "locality_id": loc, "form": form, "mode": mode, "period": period, "title": title,
                 "source": cite(seed, *quotes)} for mid, loc, form, mode, period, title, seed, quotes in MEETINGS]
    points = [{**row, "source": cite(seed, *quotes)} for row, seed, quotes in POINTS_SCHEMES]
    ratings = [{**row, "source": cite(seed, *quotes)} for row, seed, quotes in RATING_SCHEMES]
    facilities = [{**row, "source": cite(seed, *quotes)} for row, seed, quotes in FACILITIES]
    return {"localities": localities, "deliberative_bodies": bodies, "meetings": meetings, "volunteer_teams": teams,
            "points_schemes": points, "rating_schemes": ratings, "service_facilities": facilities, "indicators": indicators}


METADATA = {
    "name": "seed-cases",
    "title": "公开案例中的基层治理数字:浙江、湖南、甘肃",
    "title_en": "Grassroots governance figures from published cases: Zhejiang, Hunan, Gansu",
    "description": (
        "从公开案例报道中摘录的数字(新宏社区、上城区及其街道、钱塘区、建德丰和村与洋溪街道、雨湖区、漳县),"
        "每行注明出处并引用原文。数据包覆盖三个省;locality_id 取浙江省(条目最多的省份),"
        "湖南、甘肃的条目在地方表中各有自己的上级链。 "
        "Figures quoted from published case reports (Xinhong community, Shangcheng district and its streets, "
        "Qiantang district, Fenghe village and Yangxi street of Jiande, Yuhu district, Zhang county); every row "
        "cites its source and quotes it. The package spans three provinces: locality_id is Zhejiang, the "
        "province with most rows; the Hunan and Gansu rows have their own chains in the localities table."),
    "locality_id": "330000000000",
    "locality_name": "浙江省",
    "province_code": "33",
    "province_codes": ["33", "43", "62"],
    "period": "2020/2022",
    "records": "excerpt",
    "publisher": {"name": "基层治理开放数据标准项目 Jiceng Open Data Standard project"},
    "licenses": [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
                  "path": "https://creativecommons.org/licenses/by/4.0/"}],
    "sources": [
        {"title": "浙江省杭州市新宏社区创立“湾嫂议事厅”的探索与实践", "path": SEEDS["xinhong"]},
        {"title": "杭州:上城区完善基层治理机制 回应群众幸福期盼(报纸专版)", "path": SEEDS["hangzhou"]},
        {"title": "湘潭政法《治理之道》:雨湖区城乡社区治理(来源:雨湖区委政法委)", "path": SEEDS["yuhu"]},
        {"title": "党建带妇建,基层治理的漳县路径", "path": SEEDS["zhangxian"],
         "url": "https://www.jicengzhizhi.com/2022/1208/3193.shtml"},
    ],
    "example": False,
    "local_indicators": LOCAL_INDICATORS,
}


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else OUT
    write_package(out, METADATA, build_tables())
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
