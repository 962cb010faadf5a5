"""Bulk import: every row is checked, nothing is saved unless every row is good, and bad files
get a clear message."""

import datetime
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import override

from lms.accounts.models import TraineeProfile
from lms.audit.models import AuditEvent
from lms.enrolment import importing
from lms.enrolment.models import ClassEnrolment
from lms.training.models import TrainingClass
from tests.factories import TownshipFactory, VillageFactory
from tests.factories.training import make_class, make_enrolment, make_plan

from .files import HEADER_EN, csv_file, row, xlsx_file

pytestmark = pytest.mark.django_db


def upload(content, name="candidates.csv"):
    return SimpleUploadedFile(name, content)


def run(training_class, content, user, name="candidates.csv"):
    with override("en"):
        return importing.import_candidates(training_class, upload(content, name), acting_user=user)


def file_error(training_class, content, user, name="candidates.csv"):
    with pytest.raises(ValidationError) as error, override("en"):
        importing.import_candidates(training_class, upload(content, name), acting_user=user)
    assert not TraineeProfile.objects.exists()
    return error.value


# --- Good files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("a.csv", lambda rows: csv_file(rows)),
        ("a.csv", lambda rows: csv_file(rows, encoding="utf-8")),
        ("a.csv", lambda rows: csv_file(rows, encoding="gb18030")),
        ("a.xlsx", lambda rows: xlsx_file(rows)),
        ("A.XLSX", lambda rows: xlsx_file(rows)),
    ],
    ids=["csv-bom", "csv-utf8", "csv-gb18030", "xlsx", "xlsx-upper-case"],
)
def test_a_good_file_is_imported_whole(training_class, registrar, village, name, build):
    rows = [row(village, n) for n in range(1, 4)]
    report = run(training_class, build(rows), registrar, name)
    assert report.saved and report.ok
    assert [r.number for r in report.rows] == [2, 3, 4]
    enrolments = ClassEnrolment.objects.filter(training_class=training_class)
    assert enrolments.count() == 3
    assert set(enrolments.values_list("source", "status").distinct()) == {("import", "enrolled")}
    profiles = TraineeProfile.objects.order_by("real_name")
    assert [p.real_name for p in profiles] == ["导入1", "导入2", "导入3"]
    assert all(p.registered_by == registrar for p in profiles)
    assert profiles[0].education == "junior_high"
    assert profiles[0].date_of_birth == datetime.date(1995, 3, 8)
    assert AuditEvent.objects.filter(action="class_enrolment.enrolled").count() == 3


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_blank_rows_do_not_count_towards_the_limit_nor_hide_rows(
    training_class, registrar, village, kind
):
    # The template's text formatting alone gives 500 blank rows; people also leave gaps.
    gap = [[""] * len(HEADER_EN)] * (importing.MAX_ROWS + 60)
    rows = [row(village, 1), *gap, row(village, 2)]
    content = csv_file(rows) if kind == "csv" else xlsx_file(rows)
    report = run(training_class, content, registrar, f"gap.{kind}")
    assert report.saved
    assert [r.name for r in report.rows] == ["导入1", "导入2"]
    assert report.rows[-1].number == 2 + len(gap) + 1
    assert ClassEnrolment.objects.filter(training_class=training_class).count() == 2


def test_english_headers_codes_and_labels_are_accepted(training_class, admin, village):
    rows = [
        row(
            village,
            1,
            gender="Male",
            education="junior_high",
            computer_skill="Proficient",
            category="village_cadre",
        ),
        row(village, 2, gender="female", education="College or above", village=village.full_name),
    ]
    report = run(training_class, csv_file(rows, header=HEADER_EN), admin)
    assert report.saved, [r.errors for r in report.rows]
    first = TraineeProfile.objects.get(real_name="导入1")
    assert (first.gender, first.computer_skill, first.category) == (
        "male",
        "proficient",
        "village_cadre",
    )


def test_header_variants_and_column_order(training_class, admin, village):
    header = [
        "姓名",
        "身份证号码",
        "性别",
        "手机号",
        "学历",
        "电脑水平",
        "类别",
        "工作单位",
        "所在村",
    ]
    good = row(village, 1)
    values = [good[0], good[2], good[1], good[3], good[4], good[5], good[6], good[7], good[8]]
    assert run(training_class, csv_file([values], header=header), admin).saved


def test_a_title_above_the_column_names(training_class, admin, village):
    content = "2026年第一期报名表\n\n".encode() + csv_file([row(village, 1)], encoding="utf-8")
    report = run(training_class, content, admin)
    assert report.saved
    assert report.rows[0].number == 4


def test_villages_by_township_and_name_or_by_unique_name(training_class, admin, village):
    township_and_name = village.parent.name + village.name
    report = run(
        training_class,
        csv_file([row(village, 1, village=township_and_name), row(village, 2, village="梅子村")]),
        admin,
    )
    assert report.saved


def test_existing_people_are_reused(training_class, registrar, person):
    report = run(
        training_class,
        csv_file(
            [
                row(
                    person.village,
                    1,
                    real_name=person.real_name,
                    id_number=person.id_number,
                    gender="女",
                ),
                row(person.village, 2),
            ]
        ),
        registrar,
    )
    assert report.saved
    assert report.new_people == 1
    assert report.rows[0].existing
    assert TraineeProfile.objects.count() == 2
    assert ClassEnrolment.objects.get(profile=person).source == "import"


def test_the_report_masks_id_numbers(training_class, admin, village):
    report = run(training_class, csv_file([row(village, 1)]), admin)
    assert "*" in report.rows[0].masked_id
    assert report.rows[0].masked_id[-4:] == row(village, 1)[2][-4:]


# --- Bad rows: nothing is saved ---------------------------------------------------------------


def only_errors(report):
    return {r.number: r.errors for r in report.rows if r.errors}


def test_one_bad_row_stops_the_whole_file(training_class, registrar, village):
    rows = [row(village, 1), row(village, 2, education="小学"), row(village, 3)]
    report = run(training_class, csv_file(rows), registrar)
    assert not report.saved and not report.ok
    assert list(only_errors(report)) == [3]
    assert "Education: Primary school" in only_errors(report)[3][0]
    assert report.rows[0].ok and report.rows[2].ok
    assert not TraineeProfile.objects.exists()
    assert not ClassEnrolment.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="class_enrolment").exists()


def test_every_kind_of_row_problem_is_reported(training_class, registrar, village, make_person):
    good = row(village, 1)
    bad_checksum = row(village, 2)
    bad_checksum[2] = bad_checksum[2][:17] + ("1" if bad_checksum[2][17] != "1" else "2")
    outsider = make_person(village=VillageFactory())
    far_village = VillageFactory(name="远村")
    rows = [
        good,  # 2
        bad_checksum,  # 3
        row(village, 3, gender="男", id_number=row(village, 3)[2]),  # 4: the ID says female
        row(village, 4, education="文盲"),  # 5: unknown label
        row(village, 5, phone=""),  # 6: missing
        list(good),  # 7: the same person twice
        row(village, 6, village="不存在村"),  # 8
        row(far_village, 7),  # 9: not the registrar's village
        row(
            outsider.village, 8, real_name=outsider.real_name, id_number=outsider.id_number
        ),  # 10: registered elsewhere
        row(village, 9, born=datetime.date(1960, 1, 1)),  # 11: too old
        row(village, 10, phone="12345"),  # 12
    ]
    report = run(training_class, csv_file(rows), registrar)
    errors = only_errors(report)
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert "ID number:" in errors[3][0]
    assert errors[4] == ["Gender: The gender does not match the ID number."]
    assert errors[5][0].startswith("Education: 文盲 is not one of")
    assert errors[6] == ["Phone: required."]
    assert errors[7] == ["The same ID number is on row 2."]
    assert errors[8][0].startswith("No village 不存在村")
    assert errors[9] == ["远村 is not one of your villages."]
    assert errors[10] == ["A person with this ID number is already registered."]
    assert errors[11][0].startswith("Aged ")
    assert errors[12][0].startswith("Phone:")
    assert report.rows[0].ok
    assert TraineeProfile.objects.count() == 1  # only the outsider, from before


def test_a_name_that_does_not_match_the_registered_person(training_class, admin, person):
    report = run(
        training_class,
        csv_file([row(person.village, 1, id_number=person.id_number, gender="女")]),
        admin,
    )
    assert "registered under another name" in only_errors(report)[2][0]


def test_people_already_in_the_class_or_an_overlapping_one(training_class, admin, make_person):
    inside = make_person()
    make_enrolment(training_class, profile=inside)
    busy = make_person()
    other = make_class(
        training_class.plan, status="enrolling", start_date=training_class.start_date
    )
    make_enrolment(other, profile=busy, status="applied")
    rows = [
        row(inside.village, 1, real_name=inside.real_name, id_number=inside.id_number),
        row(busy.village, 2, real_name=busy.real_name, id_number=busy.id_number),
    ]
    errors = only_errors(run(training_class, csv_file(rows), admin))
    assert "is already in this class" in errors[2][0]
    assert "whose dates overlap" in errors[3][0]


def test_the_village_quota_counts_the_whole_file(
    institution, start_day, admin, make_person, village
):
    plan = make_plan(institution, village_quota=3)
    training_class = make_class(plan, status="enrolling", start_date=start_day)
    make_enrolment(training_class, profile=make_person())
    other = VillageFactory()
    rows = [row(village, 1), row(other, 2), row(village, 3), row(village, 4)]
    errors = only_errors(run(training_class, csv_file(rows), admin))
    assert errors == {5: ["梅子村 has used all its 3 places in this class."]}
    assert ClassEnrolment.objects.count() == 1


def test_capacity_counts_the_whole_file(plan, start_day, admin, make_person):
    training_class = make_class(plan, status="enrolling", start_date=start_day, capacity=3)
    make_enrolment(training_class, profile=make_person(village=VillageFactory()))
    rows = [row(VillageFactory(), n) for n in range(1, 5)]
    errors = only_errors(run(training_class, csv_file(rows), admin))
    assert errors == {
        4: ["The class is full: all 3 places are taken."],
        5: ["The class is full: all 3 places are taken."],
    }


def test_an_ambiguous_village_name(training_class, admin, village):
    VillageFactory(name="梅子村", parent=TownshipFactory())
    errors = only_errors(run(training_class, csv_file([row(village, 1, village="梅子村")]), admin))
    assert "Several villages are called 梅子村" in errors[2][0]


def test_id_numbers_excel_turned_into_numbers_are_caught(training_class, admin, village):
    report = run(training_class, xlsx_file([row(village, 1)], numeric_ids=True), admin, "a.xlsx")
    assert not report.saved
    assert only_errors(report)[2][0].startswith("ID number:")


# --- Who and when -----------------------------------------------------------------------------


def test_registrars_import_only_into_enrolling_classes(training_class, registrar, staff, village):
    TrainingClass.objects.filter(pk=training_class.pk).update(status="planned")
    training_class.refresh_from_db()
    with pytest.raises(PermissionDenied):
        run(training_class, csv_file([row(village, 1)]), registrar)
    with pytest.raises(ValidationError) as error:
        run(training_class, csv_file([row(village, 1)]), staff)
    assert error.value.error_list[0].code == "not_enrolling"


def test_others_may_not_import(training_class, make_user, village):
    for role in ("trainee", "head_teacher", "commerce_officer"):
        with pytest.raises(PermissionDenied):
            run(training_class, csv_file([row(village, 1)]), make_user(role))


# --- Malformed files --------------------------------------------------------------------------


def test_only_xlsx_and_csv(training_class, admin, village):
    error = file_error(training_class, csv_file([row(village, 1)]), admin, "a.xls")
    assert error.code == "file_type"
    assert file_error(training_class, b"x", admin, "a.txt").code == "file_type"


def test_size_limit(training_class, admin, village):
    big = csv_file([row(village, 1)]) + b"#" * importing.MAX_FILE_BYTES
    assert file_error(training_class, big, admin).code == "size"


def test_row_limit(training_class, admin, village):
    rows = [row(village, n) for n in range(1, importing.MAX_ROWS + 2)]
    error = file_error(training_class, csv_file(rows), admin)
    assert error.code == "too_many_rows"
    assert "500" in error.messages[0]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("a.csv", b"", "empty"),
        ("a.csv", b"   \n\n", "empty"),
        ("a.csv", "\ufeff真实姓名,性别\n张三,男\n".encode(), "header"),
        ("a.csv", b"hello,world\n1,2\n", "header"),
        ("a.csv", csv_file([]), "empty"),
        ("a.csv", b"\x00\x01\x02binary", "malformed"),
        ("a.csv", b"\xff\xfe\xff\xfe\x81", "malformed"),
        ("a.xlsx", b"this is not a workbook", "malformed"),
        ("a.xlsx", b"PK\x03\x04broken zip", "malformed"),
    ],
    ids=[
        "empty",
        "blank",
        "few-columns",
        "other-header",
        "header-only",
        "binary",
        "encoding",
        "not-zip",
        "broken-zip",
    ],
)
def test_malformed_files_get_a_clear_message(training_class, admin, name, content, code):
    error = file_error(training_class, content, admin, name)
    assert error.code == code
    assert error.messages[0]


def test_a_zip_that_is_not_a_workbook(training_class, admin):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert file_error(training_class, out.getvalue(), admin, "a.xlsx").code == "malformed"


def test_a_workbook_that_unpacks_to_too_much(training_class, admin):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (importing.MAX_UNPACKED_BYTES + 1))
    assert file_error(training_class, out.getvalue(), admin, "a.xlsx").code == "size"


def test_a_quoted_field_that_never_ends(training_class, admin, village):
    content = csv_file([row(village, 1)]) + b'"unterminated,\n'
    # csv reads to the end of the file; the broken row is reported, not a crash.
    report = run(training_class, content, admin)
    assert not report.saved


# --- The template -----------------------------------------------------------------------------


def test_the_csv_template_has_a_byte_order_mark_and_the_columns():
    content = importing.template_csv()
    assert content.startswith(b"\xef\xbb\xbf")
    with override("zh-hans"):
        content = importing.template_csv()
    assert content.decode("utf-8-sig").strip().split(",") == [
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


def test_the_xlsx_template_reads_back_and_lists_villages(village):
    from openpyxl import load_workbook

    with override("en"):
        content = importing.template_xlsx([village])
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER_EN
    assert sheet["C2"].number_format == "@"  # ID numbers stay text
    assert len(sheet.data_validations.dataValidation) == 4
    villages = workbook["Villages"]
    assert [c.value for c in villages[2]] == [village.code, village.full_name]


def test_a_filled_in_template_imports(training_class, admin, village):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(importing.template_xlsx([village])))
    workbook.worksheets[0].append(row(village, 1))
    out = io.BytesIO()
    workbook.save(out)
    assert run(training_class, out.getvalue(), admin, "filled.xlsx").saved
