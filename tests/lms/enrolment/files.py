"""Builders for import files: template rows as CSV (UTF-8 with BOM, or GB18030) or XLSX."""

import csv
import datetime
import io

from openpyxl import Workbook

from lms.accounts.demo import demo_id_number

HEADER_ZH = [
    "真实姓名",
    "性别",
    "身份证号",
    "电话",
    "文化程度",
    "计算机基础",
    "人员类别",
    "经营主体或工作单位",
    "村",
]
HEADER_EN = [
    "Real name",
    "Gender",
    "ID number",
    "Phone",
    "Education",
    "Computer skill",
    "Category",
    "Business or employer",
    "Village",
]


def row(home, n, *, born=datetime.date(1995, 3, 8), gender="女", **overrides):
    """One good row for person ``n`` from the village ``home``: Chinese labels, its code."""
    code = "male" if gender in ("男", "male", "Male") else "female"
    values = {
        "real_name": f"导入{n}",
        "gender": gender,
        "id_number": demo_id_number(
            "430599", born + datetime.timedelta(days=n // 300), 100 + n % 300, code
        ),
        "phone": f"137{n:08d}",
        "education": "初中",
        "computer_skill": "基础",
        "category": "农村青年",
        "employer": "",
        "village": home.code,
    }
    values.update(overrides)
    return [
        values["real_name"],
        values["gender"],
        values["id_number"],
        values["phone"],
        values["education"],
        values["computer_skill"],
        values["category"],
        values["employer"],
        values["village"],
    ]


def csv_file(rows, *, header=HEADER_ZH, encoding="utf-8-sig"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_file(rows, *, header=HEADER_ZH, numeric_ids=False):
    """An XLSX workbook; ``numeric_ids`` stores ID numbers as Excel would if typed as numbers."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for values in rows:
        values = list(values)
        if numeric_ids:
            # What Excel does to an 18-digit number: a float, 15 significant digits.
            values[2] = float(values[2][:17])
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
