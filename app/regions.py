"""China's regions: provinces, prefix-level cities and county-level districts.

The table is `app/data/regions.csv` (derived from cpca's adcode table, MIT; see
its header), one row per region, loaded once per process on first use. The four
直辖市 are their own city (北京市 / 北京市 / 朝阳区); a county-level city governed
directly by its province (湖北省 / 仙桃市) is a city without districts; 香港, 澳门
and 台湾 are provinces without cities. Every name is known in its full form and,
where unambiguous enough, a short form (广东, 深圳, 内蒙古, 延边, 南山).
"""
import csv
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "regions.csv"
MAX_SCAN_CHARS = 4000
MAX_TOKENS = 64
# Characters that may stand between the parts of one region ("浙江省 杭州市, 西湖区").
GAP_CHARS = frozenset(" \t\r\n\u3000,，、;；:：/|-_.·()（）[]【】")
# 计划单列市 besides the capitals (adcode xx01) and the 直辖市: preferred when a
# district name such as 南山区 exists in several cities and nothing else decides.
MAJOR_CITY_PREFIXES = frozenset({"2102", "3302", "3502", "3702", "4403"})
MUNICIPALITY_PREFIXES = frozenset({"11", "12", "31", "50"})
PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
LOCAL_SUFFIXES = ("地区", "新区", "林区", "特区", "盟", "市", "区", "县", "旗")
ETHNIC_GROUPS = (
    "柯尔克孜 维吾尔 乌孜别克 哈萨克 鄂伦春 鄂温克 达斡尔 塔吉克 塔塔尔 俄罗斯 蒙古 朝鲜 土家 哈尼 傈僳"
    " 布依 纳西 景颇 拉祜 东乡 仫佬 毛南 仡佬 锡伯 阿昌 普米 布朗 撒拉 德昂 保安 裕固 独龙 赫哲 门巴 珞巴"
    " 基诺 高山 回 藏 苗 彝 壮 满 侗 瑶 白 黎 佤 畲 水 土 羌 怒 京 傣"
).split()
ETHNIC_AUTONOMY = re.compile("(?:(?:%s)族?)+自治[州县旗]$" % "|".join(ETHNIC_GROUPS))
# Short forms that are everyday address words rather than a place.
SHORT_FORM_STOPLIST = frozenset({"新城", "城关", "市中", "城中", "城东", "城西", "城南", "城北", "高新", "开发"})


@dataclass(frozen=True)
class Region:
    """One province, city or district; the names above it are filled in."""

    adcode: str
    province: str
    city: str = ""
    district: str = ""

    @property
    def level(self):
        """1 for a province, 2 for a city, 3 for a district."""
        return 3 if self.district else 2 if self.city else 1

    @property
    def name(self):
        """The region's own full name."""
        return self.district or self.city or self.province

    def contains(self, other):
        """True when other lies strictly inside this region."""
        return (other.level > self.level and other.province == self.province
                and (self.level == 1 or other.city == self.city))


@dataclass(frozen=True)
class RegionMatch:
    """A region found in free text: where its names stand and how sure the match is."""

    region: Region
    start: int
    end: int
    full_names: bool
    alternatives: tuple = ()
    parts: tuple = field(default=(), compare=False)


@dataclass(frozen=True, eq=False)
class _Token:
    start: int
    end: int
    text: str
    regions: tuple


class _Table:
    def __init__(self, regions):
        self.regions = regions
        self.by_name = {}
        for region in regions:
            for name in {region.name, *_short_forms(region)}:
                self.by_name.setdefault(name, []).append(region)
        self.children = {}
        for region in regions:
            if region.level > 1:
                parent = (region.province, region.city if region.level == 3 else "")
                self.children.setdefault(parent, []).append(region.name)
        self.lengths = {}
        for name in self.by_name:
            self.lengths.setdefault(name[0], set()).add(len(name))
        self.lengths = {char: sorted(sizes, reverse=True) for char, sizes in self.lengths.items()}


def _short_forms(region):
    name = region.name
    if region.level == 1:
        suffixes = PROVINCE_SUFFIXES
    else:
        stripped = ETHNIC_AUTONOMY.sub("", name)
        if stripped != name:
            return {stripped} if len(stripped) >= 2 else set()
        suffixes = LOCAL_SUFFIXES
    for suffix in suffixes:
        short = name.removesuffix(suffix)
        if short != name:
            return {short} if len(short) >= 2 and short not in SHORT_FORM_STOPLIST else set()
    return set()


@functools.cache
def _table():
    with DATA_FILE.open(encoding="utf-8") as source:
        rows = csv.DictReader(line for line in source if not line.startswith("#"))
        return _Table(tuple(Region(row["adcode"], row["province"], row["city"], row["district"])
                            for row in rows))


def provinces():
    """Every province's full name, in adcode order (for pickers)."""
    return [region.province for region in _table().regions if region.level == 1]


def cities(province):
    """The full names of a province's cities (the province itself for a 直辖市)."""
    return list(_table().children.get((province, ""), ()))


def districts(province, city):
    """The full names of a city's districts."""
    return list(_table().children.get((province, city), ()) if city else ())


def _named(name, level, within=None):
    """The region of that level called name (full or short), inside within; None if none or several."""
    found = {region for region in _table().by_name.get((name or "").strip(), ())
             if region.level == level and (within is None or within.contains(region))}
    return found.pop() if len(found) == 1 else None


def normalize_province(name):
    """The full province name for a full or short one (广东 → 广东省), or None."""
    region = _named(name, 1)
    return region.province if region else None


def normalize_city(name, province=None):
    """The full city name (深圳 → 深圳市, 北京 → 北京市), within province when given, or None."""
    within = _named(province, 1) if province else None
    region = _named(name, 2, within)
    return region.city if region else None


def normalize_district(name, city=None, province=None):
    """The full district name (南山 → 南山区) within city/province when given; None if unknown or ambiguous."""
    within = _named(province, 1) if province else None
    if city:
        within = _named(city, 2, within)
    region = _named(name, 3, within)
    return region.district if region else None


def resolve(province, city="", district=""):
    """The region named by separate parts, each full or short and inside the one before; None if not."""
    region = _named(province, 1)
    for name, level in ((city, 2), (district, 3)):
        if region and name:
            region = _named(name, level, region)
    return region


def find_region(text):
    """The most complete province → city → district run of names in text, or None.

    Adjacent names (only spaces or punctuation between) that nest form a run;
    the run with the most names wins, then the one with the most names written
    in full (so the longest match is taken first), then the deepest. A district
    name shared by several cities is resolved by the city or province beside
    it, else by preferring a 直辖市, a capital or a 计划单列市; the other
    candidates are returned as alternatives.
    """
    text = (text or "")[:MAX_SCAN_CHARS]
    chains = [chain for chain in _chains(text, _tokens(text))
              if len(chain) > 1 or _acceptable_alone(text, chain[0])]
    if not chains:
        return None
    best = max(chains, key=_chain_rank)
    last_token, region = best[-1]
    rank = _chain_rank(best)[:3]
    alternatives = {chain[-1][1] for chain in chains
                    if chain[-1][0] is last_token and _chain_rank(chain)[:3] == rank} - {region}
    return RegionMatch(
        region=region, start=best[0][0].start, end=last_token.end,
        full_names=all(token.text == candidate.name for token, candidate in best),
        alternatives=tuple(sorted(alternatives, key=lambda other: other.adcode)),
        parts=tuple(token.text for token, _ in best))


def _tokens(text):
    """Every name in text, at every length (the ranking prefers full, longer names)."""
    table = _table()
    tokens = []
    for start, char in enumerate(text):
        for length in table.lengths.get(char, ()):
            name = text[start:start + length]
            if len(name) == length and name in table.by_name:
                tokens.append(_Token(start, start + length, name, tuple(table.by_name[name])))
        if len(tokens) >= MAX_TOKENS:
            break
    return tokens


def _chains(text, tokens):
    """For each (token, region), the best nested run of names ending there."""
    gap_start, run_start = [], 0
    for index, char in enumerate(text + "."):
        gap_start.append(run_start)
        if char not in GAP_CHARS:
            run_start = index + 1
    best = {}
    for index, token in enumerate(tokens):
        for region in token.regions:
            chain = ((token, region),)
            for earlier in tokens[:index]:
                if not gap_start[token.start] <= earlier.end <= token.start:
                    continue
                for outer in earlier.regions:
                    if outer.contains(region):
                        candidate = best[(earlier, outer)] + ((token, region),)
                        if _link_rank(candidate) > _link_rank(chain):
                            chain = candidate
            best[(token, region)] = chain
    return list(best.values())


def _link_rank(chain):
    return (len(chain), sum(token.text == region.name for token, region in chain))


def _chain_rank(chain):
    region = chain[-1][1]
    return (*_link_rank(chain), region.level, _prominence(region), -chain[0][0].start)


def _prominence(region):
    code = region.adcode
    if code[:2] in MUNICIPALITY_PREFIXES:
        return 2
    return 1 if code[2:4] == "01" or code[:4] in MAJOR_CITY_PREFIXES else 0


def _acceptable_alone(text, link):
    """A lone short district name (南山) counts only when an address goes on right after it."""
    token, region = link
    if region.level < 3 or token.text == region.name:
        return True
    following = text[token.end:token.end + 1]
    return bool(following) and following not in GAP_CHARS
