"""The demo county and one account per role, for ``seed_demo`` (development only)."""

import datetime

from .validators import id_number_check_char

DEMO_COUNTY = ("430521", "邵东县")

# (code, township, [villages])
DEMO_TOWNSHIPS = [
    ("430521001", "大禾塘街道", ["梅子村", "荷塘村", "新田村"]),
    ("430521101", "火厂坪镇", ["桐子村", "石门村", "太平村"]),
    ("430521102", "仙槎桥镇", ["槎溪村", "白竹村", "青山村"]),
    ("430521103", "牛马司镇", ["龙山村", "金塘村", "东风村"]),
]

# username, roles, first name, last name, superuser
DEMO_STAFF = [
    ("admin", ["administrator"], "管理", "王", True),
    ("commerce", ["commerce_officer"], "建国", "李", False),
    ("finance", ["finance_officer"], "红梅", "张", False),
    ("institution", ["institution_staff"], "志强", "刘", False),
    ("lecturer", ["lecturer"], "晓燕", "陈", False),
    ("headteacher", ["head_teacher"], "海波", "杨", False),
    ("registrar", ["registrar"], "秀英", "赵", False),
]

# username, roles, real name, gender, date of birth, education, skill, category, village index
DEMO_TRAINEES = [
    (
        "trainee",
        ["trainee"],
        "黄小丽",
        "female",
        datetime.date(1995, 3, 8),
        "senior_high",
        "basic",
        "rural_youth",
        (0, 0),
    ),
    (
        "trainee2",
        ["trainee"],
        "周大勇",
        "male",
        datetime.date(1988, 11, 21),
        "junior_high",
        "basic",
        "agri_business_staff",
        (1, 1),
    ),
    (
        "alumnus",
        ["alumnus"],
        "吴春花",
        "female",
        datetime.date(1990, 6, 15),
        "college",
        "proficient",
        "village_cadre",
        (2, 0),
    ),
]


def demo_id_number(region_code, born, sequence, gender):
    """A well-formed ID number for a demo person (valid check character, matching birth)."""
    order = sequence * 2 + (1 if gender == "male" else 0)
    first_17 = f"{region_code[:6]}{born:%Y%m%d}{order:03d}"
    return first_17 + id_number_check_char(first_17)


def demo_phone(index):
    return f"1380000{index:04d}"
