"""Names and addresses that look Vietnamese (or Korean, Japanese, Chinese...) for demo data.

Every function draws from the `random.Random` it is given, so a seed gives the same names.
The names are invented; any likeness to a real firm is chance.
"""

from __future__ import annotations

import random

# Two-syllable trade names: "Hoàng Long", "Phú Thịnh"...
_NAME_FIRST = (
    "An",
    "Bảo",
    "Bình",
    "Đại",
    "Đông",
    "Gia",
    "Hải",
    "Hoàng",
    "Hồng",
    "Hưng",
    "Khánh",
    "Kim",
    "Lộc",
    "Minh",
    "Nam",
    "Ngọc",
    "Phú",
    "Phúc",
    "Quang",
    "Tân",
    "Thái",
    "Thành",
    "Thiên",
    "Thịnh",
    "Trường",
    "Tuấn",
    "Việt",
    "Vĩnh",
    "Xuân",
    "Đức",
    "Hòa",
    "Mạnh",
    "Sơn",
    "Trung",
    "Hà",
    "Long",
    "Thuận",
    "Phương",
    "Cát",
    "Đăng",
)
_NAME_SECOND = (
    "Anh",
    "Bình",
    "Cường",
    "Đạt",
    "Hà",
    "Hòa",
    "Hưng",
    "Khang",
    "Long",
    "Lộc",
    "Minh",
    "Nam",
    "Phát",
    "Phong",
    "Quang",
    "Sơn",
    "Tài",
    "Thành",
    "Thịnh",
    "Tiến",
    "Trung",
    "Vinh",
    "Vượng",
    "Lợi",
    "Thắng",
    "Hải",
    "Dương",
    "Châu",
    "An",
    "Linh",
    "Uy",
    "Tín",
    "Nguyên",
    "Kiên",
)
_FORMS = (
    ("Công ty TNHH", 0.55),
    ("Công ty Cổ phần", 0.25),
    ("Công ty TNHH MTV", 0.15),
    ("Doanh nghiệp tư nhân", 0.05),
)
# What the firm says it does, by the segment of trade it is in.
TRADES: dict[str, tuple[str, ...]] = {
    "border": (
        "Thương mại",
        "Xuất nhập khẩu",
        "Thương mại và Dịch vụ",
        "Nông sản",
        "XNK Tổng hợp",
        "Thương mại Quốc tế",
        "Đầu tư Thương mại",
    ),
    "farm": (
        "Nông sản",
        "Nông sản Thực phẩm",
        "Xuất nhập khẩu Nông sản",
        "Trái cây",
        "Thủy sản",
        "Chế biến Nông sản",
    ),
    "port": (
        "Thương mại",
        "Xuất nhập khẩu",
        "Thép",
        "Máy móc Thiết bị",
        "Vật tư Thiết bị",
        "Thương mại Kỹ thuật",
        "Ô tô",
        "Nhựa",
        "Ngũ cốc",
        "Gỗ",
    ),
    "mining": ("Than", "Khoáng sản", "Xi măng", "Xăng dầu", "Vận tải Than", "Thương mại Than"),
    "industry": (
        "Sản xuất",
        "Đồ gỗ",
        "May mặc",
        "Nội thất",
        "Nhựa",
        "Bao bì",
        "Cơ khí",
        "Giày da",
        "Điện tử",
    ),
    "broker": (
        "Dịch vụ Hải quan",
        "Đại lý Hải quan",
        "Logistics và Đại lý Hải quan",
        "Giao nhận Vận tải",
        "Tiếp vận",
    ),
}

_FOREIGN_SYLLABLES = {
    "KR": (
        "Han",
        "Dae",
        "Sung",
        "Jin",
        "Hyun",
        "Seo",
        "Won",
        "Woo",
        "Young",
        "Kum",
        "Hwa",
        "Shin",
        "Dong",
        "Il",
        "Kwang",
        "Sam",
        "Yeon",
        "Chang",
        "Hae",
        "Jung",
        "Min",
        "Seong",
        "Bo",
    ),
    "JP": (
        "Yama",
        "Tana",
        "Nishi",
        "Fuji",
        "Dai",
        "Kyo",
        "Maru",
        "Toyo",
        "Shin",
        "Hoku",
        "Mei",
        "Asa",
        "Nit",
        "Kan",
        "Sumi",
        "Taka",
        "Oka",
        "Hira",
    ),
    "TW": (
        "Chia",
        "Hsin",
        "Feng",
        "Tai",
        "Kuang",
        "Sheng",
        "Yuan",
        "Hung",
        "Chen",
        "Fu",
        "Li",
        "Wei",
        "Ming",
        "Tung",
        "Cheng",
        "Yi",
        "Hua",
        "Kang",
    ),
    "CN": (
        "Jin",
        "Heng",
        "Xin",
        "Tian",
        "Hua",
        "Zhong",
        "Yong",
        "Sheng",
        "Long",
        "Da",
        "Rui",
        "Hong",
        "Feng",
        "Guang",
        "Bao",
        "Li",
        "Kai",
        "Tai",
    ),
}
_JP_ENDINGS = ("da", "ka", "mura", "ko", "wa", "ya", "to", "no", "shi", "ki")
_FOREIGN_TRADES = {
    "KR": (
        "Vina",
        "Tech Vina",
        "Textile Vina",
        "Electronics Vina",
        "Precision Vina",
        "Global Vina",
        "Apparel Vina",
        "Furniture Vina",
        "Chemical Vina",
    ),
    "JP": (
        "Việt Nam",
        "Seiki Việt Nam",
        "Industries Việt Nam",
        "Electronics Việt Nam",
        "Manufacturing Việt Nam",
        "Plastics Việt Nam",
    ),
    "TW": (
        "Việt Nam",
        "Furniture Việt Nam",
        "Footwear Việt Nam",
        "Industrial Việt Nam",
        "Textile Việt Nam",
        "Wood Việt Nam",
    ),
    "CN": (
        "Việt Nam",
        "Solar Việt Nam",
        "Tyre Việt Nam",
        "Furniture Việt Nam",
        "Steel Việt Nam",
        "Industrial Việt Nam",
    ),
    "*": (
        "Việt Nam",
        "Vietnam Holdings",
        "Industries Việt Nam",
        "Packaging Việt Nam",
        "Manufacturing Việt Nam",
    ),
}
_WESTERN_WORDS = (
    "Pacific",
    "Evergreen",
    "Oriental",
    "Global Star",
    "Summit",
    "Crown",
    "Asia Pacific",
    "Lotus",
    "Harbour",
    "Meridian",
    "Sunrise",
    "Atlas",
    "Pioneer",
    "Coral",
    "Zenith",
)

# Provinces (codes of `vietnam-provinces`, 2025) → (MST prefix of the tax department that
# registered the firm, towns for addresses).
PROVINCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "22": (
        "57",
        (
            "TP. Hạ Long",
            "TP. Móng Cái",
            "TP. Cẩm Phả",
            "TP. Uông Bí",
            "TX. Quảng Yên",
            "TX. Đông Triều",
        ),
    ),
    "1": (
        "01",
        (
            "Q. Hoàn Kiếm, Hà Nội",
            "Q. Cầu Giấy, Hà Nội",
            "Q. Long Biên, Hà Nội",
            "H. Gia Lâm, Hà Nội",
            "Q. Hoàng Mai, Hà Nội",
        ),
    ),
    "31": (
        "02",
        (
            "Q. Ngô Quyền, Hải Phòng",
            "Q. Hải An, Hải Phòng",
            "Q. Lê Chân, Hải Phòng",
            "H. Thủy Nguyên, Hải Phòng",
        ),
    ),
    "79": (
        "03",
        (
            "Q. 1, TP. Hồ Chí Minh",
            "TP. Thủ Đức, TP. Hồ Chí Minh",
            "Q. 7, TP. Hồ Chí Minh",
            "Q. Tân Bình, TP. Hồ Chí Minh",
        ),
    ),
    "24": ("23", ("TP. Bắc Ninh", "TP. Từ Sơn, Bắc Ninh", "H. Yên Phong, Bắc Ninh")),
    "33": ("09", ("TP. Hưng Yên", "TX. Mỹ Hào, Hưng Yên", "H. Văn Lâm, Hưng Yên")),
    "20": ("49", ("TP. Lạng Sơn", "H. Cao Lộc, Lạng Sơn", "H. Văn Lãng, Lạng Sơn")),
    "19": ("46", ("TP. Thái Nguyên", "TP. Phổ Yên, Thái Nguyên")),
    "25": ("26", ("TP. Việt Trì, Phú Thọ", "TX. Phú Thọ")),
    "37": ("27", ("TP. Ninh Bình", "TP. Tam Điệp, Ninh Bình")),
    "38": ("28", ("TP. Thanh Hóa", "TX. Nghi Sơn, Thanh Hóa")),
    "15": ("53", ("TP. Lào Cai", "H. Bát Xát, Lào Cai")),
    "75": ("36", ("TP. Biên Hòa, Đồng Nai", "H. Nhơn Trạch, Đồng Nai", "H. Long Thành, Đồng Nai")),
    "66": ("60", ("TP. Buôn Ma Thuột, Đắk Lắk", "H. Krông Pắc, Đắk Lắk")),
    "68": ("34", ("TP. Phan Thiết", "H. Hàm Thuận Nam", "TP. Bảo Lộc, Lâm Đồng")),
    "82": ("12", ("TP. Mỹ Tho", "H. Cái Bè", "TP. Cao Lãnh, Đồng Tháp")),
    "96": ("20", ("TP. Cà Mau", "H. Năm Căn, Cà Mau")),
    "56": ("42", ("TP. Nha Trang, Khánh Hòa", "TP. Cam Ranh, Khánh Hòa")),
    "92": ("18", ("Q. Ninh Kiều, Cần Thơ", "Q. Bình Thủy, Cần Thơ")),
}
# Firms of Bình Dương (since July 2025 part of Ho Chi Minh City, code 79) keep the MST their
# old tax department gave them (prefix 37): a tax code survives relocations and mergers.
BINH_DUONG_MST_PREFIX = "37"
_BINH_DUONG_ZONES = (
    ("KCN VSIP II", "TP. Thủ Dầu Một"),
    ("KCN Mỹ Phước 3", "TX. Bến Cát"),
    ("KCN Việt Hương", "TP. Thuận An"),
    ("KCN Sóng Thần 2", "TP. Dĩ An"),
    ("KCN Đồng An", "TP. Thuận An"),
    ("KCN Bàu Bàng", "H. Bàu Bàng"),
    ("KCN Nam Tân Uyên", "TX. Tân Uyên"),
    ("KCN VSIP I", "TP. Thuận An"),
    ("KCN Tân Đông Hiệp B", "TP. Dĩ An"),
)
_STREETS = (
    "Trần Hưng Đạo",
    "Hùng Vương",
    "Lê Thánh Tông",
    "Nguyễn Văn Cừ",
    "Hữu Nghị",
    "Trần Phú",
    "Lý Thường Kiệt",
    "Lê Lợi",
    "Nguyễn Trãi",
    "Hạ Long",
    "Vân Đồn",
    "Quang Trung",
    "Nguyễn Huệ",
    "Lê Duẩn",
    "Hoàng Quốc Việt",
    "Điện Biên Phủ",
    "Cách Mạng Tháng Tám",
)
_WARDS = (
    "Hồng Gai",
    "Bãi Cháy",
    "Hồng Hà",
    "Ka Long",
    "Trần Phú",
    "Hải Hòa",
    "Cẩm Trung",
    "Cẩm Thủy",
    "Yết Kiêu",
    "Hòa Lạc",
    "Bình Ngọc",
    "Quang Hanh",
    "Hà Khánh",
    "Cao Xanh",
)

_FAMILY = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Phan",
    "Trịnh",
    "Đinh",
)
_MIDDLE_M = ("Văn", "Đức", "Minh", "Quốc", "Hữu", "Thanh", "Công")
_MIDDLE_F = ("Thị", "Thu", "Ngọc", "Thanh", "Minh", "Hồng")
_GIVEN_M = (
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hải",
    "Hùng",
    "Huy",
    "Khoa",
    "Long",
    "Nam",
    "Phong",
    "Quân",
    "Sơn",
    "Thắng",
    "Trung",
    "Tuấn",
    "Việt",
)
_GIVEN_F = (
    "Anh",
    "Chi",
    "Dung",
    "Giang",
    "Hà",
    "Hằng",
    "Hoa",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "Ngân",
    "Nhung",
    "Phương",
    "Thảo",
    "Trang",
    "Yến",
)

# Foreign partners: towns their firms sit in and how their names end.
_PARTNER_PLACES = {
    "CN": (
        "Dongxing",
        "Pingxiang",
        "Fangchenggang",
        "Nanning",
        "Guangzhou",
        "Shenzhen",
        "Kunming",
        "Xiamen",
        "Shanghai",
        "Ningbo",
        "Qingdao",
        "Yiwu",
    ),
    "KR": ("Seoul", "Busan", "Incheon", "Ulsan", "Suwon", "Daegu"),
    "JP": ("Tokyo", "Osaka", "Nagoya", "Yokohama", "Kobe", "Fukuoka"),
    "TW": ("Taipei", "Taichung", "Kaohsiung", "Tainan"),
    "US": ("Los Angeles", "Houston", "New York", "Chicago", "Seattle", "Atlanta"),
    "DE": ("Hamburg", "Bremen", "Munich", "Frankfurt"),
    "NL": ("Rotterdam", "Amsterdam"),
    "FR": ("Paris", "Lyon", "Marseille"),
    "IT": ("Milan", "Genoa"),
    "GB": ("London", "Manchester"),
    "AU": ("Sydney", "Melbourne", "Perth"),
    "ID": ("Jakarta", "Surabaya", "Balikpapan"),
    "TH": ("Bangkok", "Laem Chabang"),
    "MY": ("Kuala Lumpur", "Port Klang"),
    "SG": ("Singapore",),
    "IN": ("Mumbai", "Chennai"),
    "RU": ("Vladivostok", "Moscow"),
    "BR": ("Santos", "São Paulo"),
    "AR": ("Rosario",),
    "CA": ("Vancouver", "Toronto"),
    "HK": ("Hong Kong",),
    "KH": ("Phnom Penh",),
}
_PARTNER_WORDS = (
    "Trading",
    "Import & Export",
    "Industrial",
    "International",
    "Supply Chain",
    "Commerce",
    "Resources",
    "Foods",
    "Materials",
    "Sourcing",
)
_PARTNER_SUFFIX = {
    "CN": "Co., Ltd.",
    "KR": "Co., Ltd.",
    "JP": "Co., Ltd.",
    "TW": "Co., Ltd.",
    "US": "Inc.",
    "DE": "GmbH",
    "NL": "B.V.",
    "FR": "SAS",
    "IT": "S.p.A.",
    "GB": "Ltd",
    "AU": "Pty Ltd",
    "ID": "PT",
    "TH": "Co., Ltd.",
    "MY": "Sdn. Bhd.",
    "SG": "Pte. Ltd.",
    "IN": "Pvt. Ltd.",
    "RU": "LLC",
    "BR": "Ltda.",
    "CA": "Inc.",
}


def _weighted(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([p for p, _w in pairs], weights=[w for _p, w in pairs])[0]


def trade_name(rng: random.Random) -> str:
    return f"{rng.choice(_NAME_FIRST)} {rng.choice(_NAME_SECOND)}"


def vietnamese_company(rng: random.Random, trade_kind: str) -> str:
    form = _weighted(rng, _FORMS)
    trade = rng.choice(TRADES[trade_kind])
    if form == "Doanh nghiệp tư nhân":
        return f"{form} {trade_name(rng)}"
    return f"{form} {trade} {trade_name(rng)}"


def _foreign_word(rng: random.Random, country: str) -> str:
    if country == "JP":
        return rng.choice(_FOREIGN_SYLLABLES["JP"]) + rng.choice(_JP_ENDINGS)
    if country in _FOREIGN_SYLLABLES:
        syl = _FOREIGN_SYLLABLES[country]
        first, second = rng.choice(syl), rng.choice(syl)
        return f"{first}{second.lower()}" if country in ("KR", "CN") else f"{first} {second}"
    return rng.choice(_WESTERN_WORDS)


def fdi_company(rng: random.Random, country: str) -> tuple[str, str]:
    """(Vietnamese name, English name) of a foreign-invested enterprise."""
    word = _foreign_word(rng, country)
    ending = rng.choice(_FOREIGN_TRADES.get(country, _FOREIGN_TRADES["*"]))
    name_vi = f"Công ty TNHH {word} {ending}"
    name_en = f"{word} {ending.replace('Việt Nam', 'Vietnam')} Co., Ltd."
    return name_vi, name_en


def address(rng: random.Random, province: str, binh_duong: bool = False) -> str:
    if binh_duong:
        zone, town = rng.choice(_BINH_DUONG_ZONES)
        return f"Lô {rng.choice('ABCDEFGH')}-{rng.randint(1, 40)}, {zone}, {town}, tỉnh Bình Dương"
    towns = PROVINCES.get(province, PROVINCES["1"])[1]
    town = rng.choice(towns)
    if province == "22":
        return f"Số {rng.randint(1, 399)} đường {rng.choice(_STREETS)}, phường {rng.choice(_WARDS)}, {town}, Quảng Ninh"
    return f"Số {rng.randint(1, 399)} đường {rng.choice(_STREETS)}, {town}"


def person(rng: random.Random) -> tuple[str, str]:
    """(first name, family name), Vietnamese order being family + middle + given."""
    if rng.random() < 0.5:
        first = f"{rng.choice(_MIDDLE_M)} {rng.choice(_GIVEN_M)}"
    else:
        first = f"{rng.choice(_MIDDLE_F)} {rng.choice(_GIVEN_F)}"
    return first, rng.choice(_FAMILY)


def partner_company(rng: random.Random, country: str) -> str:
    place = rng.choice(_PARTNER_PLACES.get(country, ("International",)))
    word = (
        _foreign_word(rng, country) if country in _FOREIGN_SYLLABLES else rng.choice(_WESTERN_WORDS)
    )
    suffix = _PARTNER_SUFFIX.get(country, "Ltd.")
    if suffix == "PT":
        return f"PT {word} {rng.choice(_PARTNER_WORDS)} {place}"
    return f"{place} {word} {rng.choice(_PARTNER_WORDS)} {suffix}"
