"""Words the demo planner draws from: syllables of invented places, kinds of unit, given names.

Plain data, no logic. The surname of a member always comes from Faker's weighted list
(`Faker("zh_CN").last_name()`); the given name is Faker's or one from `GIVEN_NAMES`, by
generation.
"""

from __future__ import annotations

MOBILE_PREFIXES = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "166", "173", "177", "180", "181", "182", "183", "185", "186", "187",
    "188", "189", "191", "193", "195", "198", "199",
]

# Invented place-name syllables (townships, villages, communities, streets, companies).
STEM_A = "金石黄白青龙凤桃枫杨柳双新高长马东西南北大花梅荷云沙泉松竹湘楚莲栗樟茶红兴福永安和平"
STEM_B = "江山田桥塘坪溪湖岭冲湾口洲坡铺市洞坝河林岗源峰园门滩垸"
ROAD_SUFFIXES = ["路", "大道", "街"]
INDUSTRIES = ["科技", "建材", "食品", "农业开发", "物流", "电子", "机械制造", "新材料", "生物科技", "建筑工程",
              "茶业", "环保科技", "电气", "纺织"]
DEPARTMENTS = ["委办公室", "人民政府办公室", "委组织部", "委宣传部", "纪委监委机关", "财政局", "教育局",
               "卫生健康局", "自然资源局", "农业农村局", "住房和城乡建设局", "市场监督管理局",
               "人力资源和社会保障局", "民政局", "司法局", "交通运输局", "水利局", "统计局", "审计局",
               "发展和改革局"]
SOES = ["城市建设投资集团有限公司", "交通建设投资有限公司", "自来水有限公司", "供销合作社联合社",
        "农村商业银行", "国有资产经营有限公司"]
SCHOOLS = ["第一中学", "第二中学", "实验小学", "职业中专学校", "实验中学"]
HOSPITALS = ["人民医院", "中医医院", "妇幼保健院"]
SHOPS = ["商店", "餐馆", "农资店", "养殖场", "五金店"]
ORDINALS = "一二三四五六七八九十"

# Given names by generation: a list of whole names ("old"), or (first characters, second
# characters) to combine ("mid", "young").
GIVEN_NAMES: dict[tuple[str, str], list[str] | tuple[list[str], list[str]]] = {
    ("old", "male"): ["建国", "国庆", "卫东", "建军", "解放", "援朝", "志刚", "德明", "正华", "长生", "桂生",
                      "春生", "秋生", "福生", "国平", "建新", "跃进", "光明", "振华", "德胜", "水生", "春林",
                      "金山", "玉林", "湘生", "炳炎"],
    ("old", "female"): ["桂英", "秀英", "淑珍", "凤英", "玉兰", "桂兰", "秀兰", "冬梅", "春花", "秋菊", "红英",
                        "美华", "爱华", "翠兰", "菊英", "素珍", "金凤", "满姣", "腊梅", "新华"],
    ("mid", "male"): (list("志建海永国文小晓新立德世俊春卫红中伟明剑"), list("强军华平峰勇斌刚辉波明林涛东宇成杰龙锋")),
    ("mid", "female"): (list("丽秀晓春红艳小美燕海玉雪慧丹建"), list("华萍琴芳霞燕娟玲红梅丽英莉敏平")),
    ("young", "male"): (list("子浩宇梓俊一博思嘉天雨文家佳逸明泽昊皓志"), list("轩然航豪杰宸睿辰涵阳博鑫昊晨泽远宁哲洋凯")),
    ("young", "female"): (list("欣梓雨思紫诗子佳可一若语婉梦晓嘉心丽静雅"), list("怡涵萱琪彤妍悦婷琳雯璐瑶岚蕾洁茜颖菲桐宁")),
}
