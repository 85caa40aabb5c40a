"""The region table of the demo province (行政区划代码 from python-stdnum)."""

from dangwu.demo import regions

CITIES = ["4301", "4302", "4303", "4304", "4305", "4306", "4307", "4308", "4309", "4310", "4311", "4312", "4313",
          "4331"]


def test_current_name_takes_the_open_ended_entry():
    assert regions._current_name("[1983-1995]东区,[1996-]芙蓉区") == ("芙蓉区", 1983)
    assert regions._current_name("长沙县") == ("长沙县", None)
    assert regions._current_name("[1983-2019]邵东县")[0] is None
    assert regions._current_name("[1988-1993]大庸市,[1994-]张家界市") == ("张家界市", 1988)


def test_hunan_regions_are_the_current_ones():
    cities = regions.hunan_regions()
    assert [c.region.code for c in cities] == CITIES
    counties = {c.code: c.name for city in cities for c in city.counties}
    assert counties["430102"] == "芙蓉区"
    assert counties["430181"] == "浏阳市"
    assert counties["430582"] == "邵东市"  # 邵东县 (430521) became a city in 2019
    assert "430521" not in counties
    assert counties["433101"] == "吉首市"
    assert "市辖区" not in counties.values()
    assert 115 <= len(counties) <= 125  # 湖南 has 122 county-level divisions
