"""Figures the way localities publish them fit the standard exactly, without workarounds.

Each statement below is written the way Chinese grassroots-governance reports phrase their figures
(sub-unit counts by type, norms, ranges, year-on-year changes, 万-scaled figures, "so far this year",
coverage, facilities, points and rating schemes, councils that stand for a class of bodies, roles,
questionnaire percentages without a sample size, local figures). Every one is written as rows of a
package — never as a note — and the package must validate with no error. The locality is fictitious.
"""
from __future__ import annotations

import jiceng
from jiceng.package import write_package

LOC = "530102000000"  # a fictitious district
VIL = f"{LOC}-DEMO-VILLAGE"
SRC = "示例报道 example report"


def ind(code, value=None, **attrs):
    row = {"locality_id": LOC, "period": "2023", "indicator_code": code, "method": "reported", "value": value,
           "value_qualifier": "exact", "unit": jiceng.current().indicator_by_code[code]["unit"] if code in jiceng.current().indicator_by_code else "count",
           "source": SRC}
    row.update(attrs)
    return row


# statement → rows (table → list of rows)
STATEMENTS = {
    "辖区共有社区142个、小区529个,其中商品房小区202个、老旧小区206个、混合型小区101个": {"indicators": [
        ind("sub_units", 142, locality_level="community"), ind("sub_units", 529, locality_level="compound"),
        ind("sub_units", 202, locality_level="compound", compound_type="commercial"),
        ind("sub_units", 206, locality_level="compound", compound_type="old"),
        ind("sub_units", 101, locality_level="compound", compound_type="mixed")]},
    "每个网格配备1名专职网格员": {"indicators": [ind("grid_workers_per_grid", 1, obs_status="norm")]},
    "每个微网格联系5—10户": {"indicators": [
        ind("households_per_micro_grid", None, value_qualifier="range", lower_bound=5, upper_bound=10, published_value="5—10户")]},
    "信访量同比下降38%": {"indicators": [
        ind("petitions", -38, unit="percent", transformation="percent_change", base_period="2022")]},
    "全年服务群众38.29万人次": {"indicators": [
        ind("beneficiaries", 382900, unit_multiplier=4, decimals=2, published_value="38.29万人次")]},
    "今年以来共化解矛盾纠纷1200余起": {"indicators": [
        ind("disputes_resolved", 1200, value_qualifier="over", period="2023/..", published_date="2023-10-15")]},
    "截至2023年6月底,累计调解纠纷3000余起(起点未公布)": {"indicators": [
        ind("disputes_resolved", 3000, value_qualifier="over", period="../2023-06")]},
    "村(社区)法律顾问实现全覆盖": {"indicators": [
        ind("coverage_share", 100, coverage_subject="legal_adviser", locality_level="village")]},
    "建成5个城市社区、135个农村社区服务中心": {"indicators": [
        ind("service_centres", 5, urban_rural="urban"), ind("service_centres", 135, urban_rural="rural"),
        ind("service_centres", 140, method="derived", derived_from="service_centres")]},
    "县级中心1个、乡镇中心12个、村级站点130个": {"indicators": [
        ind("service_centres", 1, locality_level="county"), ind("service_centres", 12, locality_level="township"),
        ind("service_centres", 130, locality_level="village")]},
    "12345热线受理群众诉求5000件,按时办结率98.5%": {"indicators": [
        ind("cases_collected", 5000, case_source="hotline"),
        ind("cases_closed_share", 98.5, case_source="hotline", numerator=4925, denominator=5000)]},
    "女性村委会成员237名,占41%": {"indicators": [
        ind("village_committee_members", 237, sex="female"),
        ind("village_committee_women_share", 41, numerator=237, denominator=573, decimals=0, published_value="41%")]},
    "社区发言人10名、社区合伙人32家、骨干志愿者200余名": {"indicators": [
        ind("role_holders", 10, community_role="spokesperson"), ind("role_holders", 32, community_role="community_partner"),
        ind("core_volunteers", 200, value_qualifier="over")]},
    "12件事项结转至明年民生清单;完成民生实事项目8个": {"indicators": [
        ind("cases_carried_over", 12), ind("livelihood_projects_completed", 8)]},
    "党群服务中心面积1200平方米;投入资金300万元": {"indicators": [
        ind("service_facility_area", 1200, facility_kind="party_mass_service_centre"),
        ind("funds_invested", 3000000, unit_multiplier=4, published_value="300万元")]},
    "群众安全感99.2%;刑事案件同比下降15.6%": {"indicators": [
        ind("safety_perception_rate", 99.2),
        ind("criminal_cases", -15.6, unit="percent", transformation="percent_change", base_period="2022")]},
    "每年至少开展1次志愿服务活动": {"indicators": [ind("activities", 1, value_qualifier="at_least", obs_status="norm")]},
    "群众满意度力争达到95%以上(目标)": {"indicators": [ind("satisfaction_rate", 95, value_qualifier="over", obs_status="target")]},
    "新建改建村务公开栏140个(本地指标)": {"indicators": [ind("x_demo_publicity_boards", 140, unit="count")]},
    "建成党群服务站35个、户外劳动者驿站12个、村民小组服务站点60个,提供歇脚、饮水、充电服务": {"service_facilities": [
        {"facility_id": "F-STATIONS", "locality_id": LOC, "facility_kind": "party_mass_service_station", "count": 35},
        {"facility_id": "F-OUTDOOR", "locality_id": LOC, "facility_kind": "outdoor_worker_station", "count": 12,
         "services": "rest,water,charging"},
        {"facility_id": "F-GROUPS", "locality_id": LOC, "facility_kind": "village_group_service_point", "count": 60,
         "tier": "village_group"}]},
    "诚信积分每户年度基础分100分,低于90分需整改恢复;行为银行覆盖277户,设10个方面40项": {"points_schemes": [
        {"scheme_id": "P-INTEGRITY", "locality_id": LOC, "scheme": "integrity_points", "holder_type": "household",
         "yearly_base": 100, "restore_threshold": 90},
        {"scheme_id": "P-BANK", "locality_id": VIL, "scheme": "behaviour_bank", "holder_type": "household",
         "enrolled_households": 277, "scoring_aspects": 10, "scoring_items": 40, "redemption_venue": "love_supermarket"}]},
    "网格堡垒指数“五大类二十项”,月评价、季赛马、年总结;第一网格二季度得分96.5": {
        "rating_schemes": [{"scheme_id": "R-FORTRESS", "locality_id": LOC, "name": "网格堡垒指数", "subject": "grid",
                            "frequencies": "monthly,quarterly,yearly", "categories": 5, "items": 20}],
        "grids": [{"grid_id": "G01", "locality_id": VIL, "grid_level": "grid", "grid_kind": "unified"}],
        "grid_ratings": [{"grid_id": "G01", "scheme_id": "R-FORTRESS", "period": "2023-Q2", "score": 96.5}]},
    "每个村民小组都成立3—7人的议事会,每月至少议事一次": {"deliberative_bodies": [
        {"body_id": "B-GROUP-COUNCILS", "locality_id": VIL, "name": "村民小组议事会", "form": "villagers_council",
         "body_count": 12, "unit_level": "village_group", "members_min": 3, "members_max": 7,
         "meeting_frequency": "monthly", "min_meetings_per_frequency": 1}]},
    "议事会成员30余人,由老党员、乡贤和村民代表组成": {"deliberative_bodies": [
        {"body_id": "B-ELDERS", "locality_id": VIL, "name": "乡贤议事会", "form": "elders_council", "members": 30,
         "members_qualifier": "over", "members_note": "老党员、乡贤和村民代表"}]},
    "开发区与镇、村共建五方议事会": {"localities": [
        {"locality_id": f"{LOC}-DEVZONE", "name": "示例经济开发区", "level": "development_zone", "parent_id": LOC}]},
    "二季度召开居民议事会(未公布具体日期)": {"meetings": [
        {"meeting_id": "M-Q2", "locality_id": LOC, "form": "villagers_council", "mode": "offline", "period": "2023-Q2"}]},
    "问卷调查显示:非常满意62.3%、满意30.1%、一般5.2%、不满意2.4%(未公布样本量)": {
        "surveys": [{"survey_id": "S-PCT", "locality_id": LOC, "title": "群众满意度问卷", "mode": "paper",
                     "conductor": "locality", "publication": "shares"}],
        "survey_counts": [{"survey_id": "S-PCT", "question_code": "SAT_OVERALL", "response": r, "share": v}
                          for r, v in (("very_satisfied", 62.3), ("satisfied", 30.1), ("neutral", 5.2), ("dissatisfied", 2.4))]},
}

LOCAL = [{"code": "x_demo_publicity_boards", "unit": "count", "title": "Publicity boards built or rebuilt",
          "description": "Village-affairs publicity boards built or rebuilt.",
          "zh": {"title": "新建改建村务公开栏", "description": "新建、改建的村务公开栏个数。"}}]


def _package(tmp_path):
    tables: dict[str, list[dict]] = {"localities": [
        {"locality_id": LOC, "name": "示例区", "level": "county"},
        {"locality_id": VIL, "name": "示例村", "level": "village", "parent_id": LOC}]}
    for rows in STATEMENTS.values():
        for table, items in rows.items():
            tables.setdefault(table, []).extend(items)
    meta = {"name": "expressiveness", "title": "示例:常见公布数字", "schema_version": jiceng.current().version,
            "locality_id": LOC, "locality_name": "示例区", "province_code": "53", "period": "2023",
            "records": "excerpt", "example": True, "publisher": {"name": "示例 example"},
            "licenses": [{"name": "CC-BY-4.0"}], "local_indicators": LOCAL}
    return write_package(tmp_path / "pkg", meta, tables)


def test_common_published_figures_fit_exactly(tmp_path):
    report = jiceng.validate(_package(tmp_path))
    errors = [f"{f.code} {f.resource} row {f.row} {f.field}: {f.message_en}" for f in report.findings if f.severity == "ERROR"]
    assert errors == [], "\n".join(errors)
    assert len(STATEMENTS) >= 25


def test_a_misfit_is_caught(tmp_path):
    """The same package with one figure broken down by a dimension its indicator does not have fails."""
    STATEMENTS["女性参会者占45%(错误:按城乡分项)"] = {"indicators": [ind("care_points", 5, urban_rural="urban")]}
    try:
        report = jiceng.validate(_package(tmp_path))
    finally:
        STATEMENTS.pop("女性参会者占45%(错误:按城乡分项)")
    assert "INDICATOR_DIMENSION_NOT_DECLARED" in {f.code for f in report.findings if f.severity == "ERROR"}
