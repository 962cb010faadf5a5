"""Bulk import of candidates into a class from the XLSX or CSV template.

``import_candidates`` reads the file, checks EVERY row against every rule (profile details and
the ID number's check character, duplicates within the file, registrar areas, eligibility,
village quotas and capacity counting the whole file, overlapping classes, people already in the
class) and returns a row-by-row ``ImportReport``. Nothing is saved unless every row is good;
then every row is saved in one transaction, with the class row locked, through the same
``actions.do_enrol`` as a single registration. Existing people (by ID number) are reused, new
ones are registered.

The files are untrusted: size, row count, type and the XLSX's unpacked size are limited, and
anything unreadable gets a clear message (a ``ValidationError``), never a server error. The
template, reading the rows and saving all or nothing are ``lms.core.xlsx``'s (shared with the
question bank's import); the columns, the CSV reading and the rules are here.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from lms.accounts.actions import do_register_trainee
from lms.accounts.models import Region, TraineeProfile
from lms.accounts.validators import (
    id_number_birth_date,
    mask_id_number,
    normalise_id_number,
)
from lms.core import xlsx
from lms.training.models import TrainingClass

from .actions import (
    already_in_class_error,
    class_full_error,
    do_enrol,
    held_places,
    may_register_in,
    not_allowed_error,
    not_enrolling_error,
    overlap_error,
    overlapping_enrolments,
    village_quota_error,
)
from .eligibility import eligibility_problems
from .models import ClassEnrolment
from .policy import manages_class, may_act_for, registrar_village_ids

MAX_FILE_BYTES = xlsx.MAX_FILE_BYTES
MAX_ROWS = 500
MAX_COLUMNS = 30
MAX_CELL_CHARS = 200
# An XLSX is a ZIP; refuse one that unpacks to far more than a 500-row sheet ever needs.
MAX_UNPACKED_BYTES = xlsx.MAX_UNPACKED_BYTES
EXTENSIONS = (".xlsx", ".csv")

# (field, header label) in the template's order.
COLUMNS = [
    ("real_name", gettext_lazy("Real name")),
    ("gender", gettext_lazy("Gender")),
    ("id_number", gettext_lazy("ID number")),
    ("phone", gettext_lazy("Phone")),
    ("education", gettext_lazy("Education")),
    ("computer_skill", gettext_lazy("Computer skill")),
    ("category", gettext_lazy("Category")),
    ("employer", gettext_lazy("Business or employer")),
    ("village", gettext_lazy("Village")),
]
REQUIRED = {
    "real_name",
    "gender",
    "id_number",
    "phone",
    "education",
    "computer_skill",
    "category",
    "village",
}
CHOICE_FIELDS = {
    "gender": TraineeProfile.Gender,
    "education": TraineeProfile.Education,
    "computer_skill": TraineeProfile.ComputerSkill,
    "category": TraineeProfile.Category,
}

# Words people write in the county besides the catalogue's labels.
HEADER_SYNONYMS = {
    "real_name": ["姓名", "名字", "name", "真实姓名"],
    "gender": ["性别", "sex"],
    "id_number": ["身份证", "身份证号", "身份证号码", "公民身份号码", "id", "idnumber"],
    "phone": ["手机", "手机号", "手机号码", "电话", "联系电话", "mobile", "phonenumber"],
    "education": ["学历", "文化程度", "文化"],
    "computer_skill": ["电脑水平", "计算机水平", "计算机基础", "电脑基础", "computer"],
    "category": ["类别", "人员类别", "培训对象类别"],
    "employer": ["工作单位", "单位", "经营主体", "经营主体或工作单位", "employer"],
    "village": ["村", "所在村", "村庄", "行政村", "homevillage", "villagecode"],
}
CHOICE_SYNONYMS = {
    "gender": {"male": ["男", "男性", "m"], "female": ["女", "女性", "f"]},
    "education": {
        "primary": ["小学", "小学及以下"],
        "junior_high": ["初中", "初级中学"],
        "senior_high": ["高中", "中专", "职高", "中职", "技校", "高中或中专", "高中或中职"],
        "college": ["大专", "本科", "大学", "研究生", "硕士", "博士", "大专及以上", "大学及以上"],
    },
    "computer_skill": {
        "none": ["无", "不会", "没有", "零基础"],
        "basic": ["基础", "一般", "会", "入门", "初级", "有一定基础"],
        "proficient": ["熟练", "精通", "良好", "较好"],
    },
    "category": {
        "village_cadre": ["村干部", "乡村干部"],
        "rural_youth": ["农村青年", "农村青壮年", "青壮年", "返乡青年"],
        "agri_business_staff": [
            "农业企业",
            "合作社",
            "家庭农场",
            "种养大户",
            "规模种养户",
            "农民专业合作社",
            "农业企业员工",
            "合作社员工",
        ],
        "government_cadre": ["党政干部", "机关干部"],
        "other": ["其他", "其它"],
    },
}

_SPACE = re.compile(r"\s+")
_BRACKETS = re.compile(r"[（(].*?[）)]")


def _norm(value):
    """Lower-case, without spaces, punctuation marks such as * and anything in brackets."""
    value = _BRACKETS.sub("", str(value or ""))
    value = _SPACE.sub("", value).lower()
    return value.strip("*:：_-")


def _labels(choices, value):
    """A choice's label in English and Simplified Chinese."""
    label = choices(value).label
    labels = []
    for language in ("en", "zh-hans"):
        with override(language):
            labels.append(str(label))
    return labels


def header_aliases():
    aliases = {}
    for name, label in COLUMNS:
        words = [name, *HEADER_SYNONYMS.get(name, [])]
        for language in ("en", "zh-hans"):
            with override(language):
                words.append(str(label))
                words.append(str(TraineeProfile._meta.get_field(name).verbose_name))
        for word in words:
            aliases.setdefault(_norm(word), name)
    return aliases


def choice_aliases(name):
    choices = CHOICE_FIELDS[name]
    aliases = {}
    for value in choices.values:
        for word in [value, *_labels(choices, value), *CHOICE_SYNONYMS[name].get(value, [])]:
            aliases.setdefault(_norm(word), value)
    return aliases


# --- Reading files ---------------------------------------------------------------------------


def _read_upload(uploaded_file):
    name, data = xlsx.read_upload(
        uploaded_file,
        extensions=EXTENSIONS,
        wrong_type=_("Upload an .xlsx or .csv file made from the template."),
    )
    if not data.strip():
        raise xlsx.file_error(_("The file is empty."), "empty")
    return name, data


def _cell_text(value):
    """A cell's value as text; numbers written the way people typed them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()[: MAX_CELL_CHARS + 1]


def _row_limit():
    # Enough non-blank rows to tell that a file has too many, whatever title rows it has.
    return MAX_ROWS + xlsx.HEADER_SEARCH_ROWS


def _xlsx_rows(data):
    """``[(row_number, [text, ...]), ...]``: the non-blank rows of the workbook's first sheet."""
    return xlsx.xlsx_rows(
        data,
        _cell_text,
        max_columns=MAX_COLUMNS,
        limit=_row_limit(),
        max_unpacked_bytes=MAX_UNPACKED_BYTES,
    )


def _decode_csv(data):
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise xlsx.file_error(
            _("The CSV file's text encoding was not recognised; save it as UTF-8 (or GB18030).")
        ) from None


def _csv_rows(data):
    """``[(line number, [text, ...]), ...]``: the CSV file's non-blank rows."""
    try:
        text = _decode_csv(data)
    except UnicodeDecodeError:
        raise xlsx.file_error(_("The CSV file is not valid UTF-8 text.")) from None
    if "\x00" in text:
        raise xlsx.file_error(_("This does not look like a CSV file."))
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        numbered = ((reader.line_num, values[:MAX_COLUMNS]) for values in reader)
        return xlsx.filled_rows(numbered, _cell_text, limit=_row_limit())
    except csv.Error:
        raise xlsx.file_error(_("The CSV file is malformed (check its quotation marks).")) from None


def read_rows(uploaded_file):
    """The data rows of an uploaded template as ``[(row_number, {field: text}), ...]``.

    Raises ``ValidationError`` for a file of the wrong type or size, an unreadable file, a
    header that is not the template's, no data rows, or more than ``MAX_ROWS`` rows.
    """
    name, data = _read_upload(uploaded_file)
    raw = _xlsx_rows(data) if name.endswith(".xlsx") else _csv_rows(data)
    # The column names are the first row, or a later one under a title or two.
    return xlsx.table_rows(
        raw,
        columns=COLUMNS,
        required=REQUIRED,
        aliases=header_aliases(),
        normalise=_norm,
        max_rows=MAX_ROWS,
        no_data=_("The file has column names but no candidates."),
        too_many=_("The file has more than %(max)d rows; split it into smaller files."),
    )


# --- Checking rows ---------------------------------------------------------------------------


@dataclass
class RowResult:
    """One row of the report: its number in the file, who, and what is wrong (if anything)."""

    number: int
    name: str = ""
    masked_id: str = ""
    errors: list = field(default_factory=list)
    profile: TraineeProfile | None = None
    existing: bool = False
    fields: dict = field(default_factory=dict)
    takes_place: bool = True

    @property
    def ok(self):
        return not self.errors


@dataclass
class ImportReport:
    rows: list
    saved: bool = False

    @property
    def ok(self):
        return bool(self.rows) and all(row.ok for row in self.rows)

    @property
    def error_rows(self):
        return [row for row in self.rows if not row.ok]

    @property
    def new_people(self):
        return sum(1 for row in self.rows if not row.existing)


class _Villages:
    """Villages by division code, full name, township + village, or (when unique) name."""

    def __init__(self):
        self.by_key = {}
        names = {}
        for village in Region.objects.filter(level=Region.Level.VILLAGE).select_related(
            "parent__parent"
        ):
            township = village.parent
            self.by_key[village.code] = village
            self.by_key[_norm(village.full_name)] = village
            if township is not None:
                self.by_key[_norm(township.name + village.name)] = village
            names.setdefault(_norm(village.name), []).append(village)
        for name, villages in names.items():
            if len(villages) == 1:
                self.by_key.setdefault(name, villages[0])
        self.ambiguous = {name for name, villages in names.items() if len(villages) > 1}

    def find(self, text):
        key = text.strip()
        village = self.by_key.get(key) or self.by_key.get(_norm(key))
        if village is not None:
            return village, None
        if _norm(key) in self.ambiguous:
            return None, _(
                "Several villages are called %(name)s; give the division code or the full name."
            ) % {"name": key}
        return None, _("No village %(name)s; give its division code or full name.") % {"name": key}


def _field_label(name):
    return str(dict(COLUMNS)[name])


def _parse_row(number, values, villages, choice_maps):
    """Turn a row's text into profile fields, collecting every problem."""
    result = RowResult(number=number)
    errors = result.errors
    fields = {}
    for name, _label in COLUMNS:
        text = (values.get(name) or "").strip()
        if len(text) > MAX_CELL_CHARS:
            errors.append(
                _("%(column)s: at most %(n)d characters.")
                % {"column": _field_label(name), "n": MAX_CELL_CHARS}
            )
            text = text[:MAX_CELL_CHARS]
        if not text:
            if name in REQUIRED:
                errors.append(_("%(column)s: required.") % {"column": _field_label(name)})
            fields[name] = ""
            continue
        if name in CHOICE_FIELDS:
            value = choice_maps[name].get(_norm(text))
            if value is None:
                allowed = _(", ").join(str(c.label) for c in CHOICE_FIELDS[name])
                errors.append(
                    _("%(column)s: %(value)s is not one of %(allowed)s.")
                    % {"column": _field_label(name), "value": text, "allowed": allowed}
                )
            fields[name] = value or ""
        elif name == "village":
            village, problem = villages.find(text)
            if problem:
                errors.append(problem)
            fields[name] = village
        elif name == "id_number":
            fields[name] = normalise_id_number(text)
        else:
            fields[name] = text
    result.name = fields.get("real_name", "")
    result.masked_id = mask_id_number(fields.get("id_number", ""))
    result.fields = fields
    return result


def _profile_errors(profile):
    """``full_clean`` problems of a new person, as "Column: message" strings."""
    try:
        profile.full_clean(exclude=["user", "registered_by"], validate_unique=False)
    except ValidationError as error:
        problems = error.message_dict
        if "id_number" in problems:
            problems.pop("date_of_birth", None)  # read from the ID number
        labels = {name: _field_label(name) for name, _label in COLUMNS}
        labels["date_of_birth"] = str(TraineeProfile._meta.get_field("date_of_birth").verbose_name)
        out = []
        for name, messages in problems.items():
            for message in messages:
                label = labels.get(name)
                out.append(f"{label}: {message}" if label else message)
        return out
    return []


def check_rows(training_class, rows, *, acting_user):
    """The report for ``rows`` (from ``read_rows``) against ``training_class``; reads only.

    Call with the class locked so the counts cannot change before the rows are saved.
    """
    villages = _Villages()
    choice_maps = {name: choice_aliases(name) for name in CHOICE_FIELDS}
    results = [_parse_row(number, values, villages, choice_maps) for number, values in rows]

    ids = {r.fields.get("id_number") for r in results if r.fields.get("id_number")}
    existing = {
        p.id_number: p
        for p in TraineeProfile.objects.filter(id_number__in=ids).select_related("village")
    }
    manager = manages_class(acting_user, training_class)
    own_villages = set() if manager else registrar_village_ids(acting_user)
    seen = {}
    for result in results:
        id_number = result.fields.get("id_number")
        if id_number:
            if id_number in seen:
                result.errors.append(
                    _("The same ID number is on row %(row)d.") % {"row": seen[id_number]}
                )
                result.takes_place = False
                continue
            seen[id_number] = result.number
        person = existing.get(id_number)
        if person is not None:
            result.existing = True
            if not may_act_for(acting_user, training_class, person):
                result.errors.append(_("A person with this ID number is already registered."))
                result.takes_place = False
                continue
            if result.name and result.name != person.real_name:
                result.errors.append(
                    _(
                        "This ID number is registered under another name (%(name)s); check the "
                        "ID number."
                    )
                    % {"name": person.real_name}
                )
            result.profile = person
        else:
            result.profile = _new_person(result, acting_user)
            result.errors.extend(_new_person_errors(result, manager, own_villages))
        if result.profile is not None and _complete(result.profile):
            result.errors.extend(eligibility_problems(result.profile, training_class))

    _check_places(training_class, results)
    return ImportReport(rows=results)


def _new_person(result, acting_user):
    fields = dict(result.fields)
    fields["date_of_birth"] = id_number_birth_date(fields.get("id_number") or "")
    if not isinstance(fields.get("village"), Region):
        fields.pop("village", None)
    return TraineeProfile(registered_by=acting_user, **fields)


def _new_person_errors(result, manager, own_villages):
    """The model's own checks (ID number format and check character, date of birth and gender
    against the ID number, phone), skipping columns already reported blank or unknown."""
    person = result.profile
    reported = [
        f"{_field_label(name)}:" for name, value in result.fields.items() if value in ("", None)
    ]
    errors = [
        problem
        for problem in _profile_errors(person)
        if not any(problem.startswith(prefix) for prefix in reported)
    ]
    if person.village_id and not manager and person.village_id not in own_villages:
        errors.append(
            _("%(village)s is not one of your villages.") % {"village": person.village.name}
        )
    return errors


def _complete(profile):
    return bool(
        profile.date_of_birth and profile.education and profile.computer_skill and profile.category
    )


def _check_places(training_class, results):
    """Already in this class, overlaps, then capacity and quotas counting the whole file."""
    known_ids = [r.profile.pk for r in results if r.existing and r.profile is not None]
    in_class = {
        e.profile_id: e
        for e in held_places(training_class)
        .filter(profile_id__in=known_ids)
        .select_related("profile")
    }
    overlaps = {}
    for other in overlapping_enrolments(training_class, known_ids):
        overlaps.setdefault(other.profile_id, other)
    for result in results:
        person = result.profile
        if person is None or person.pk is None:
            continue
        if person.pk in in_class:
            result.errors.append(str(already_in_class_error(in_class[person.pk]).message))
            result.takes_place = False
        elif person.pk in overlaps:
            result.errors.append(str(overlap_error(person, overlaps[person.pk]).message))

    held = held_places(training_class)
    taken = held.count()
    by_village = {}
    for village_id in held.values_list("profile__village_id", flat=True):
        by_village[village_id] = by_village.get(village_id, 0) + 1
    quota = training_class.plan.village_quota
    for result in results:
        if not result.takes_place:
            continue
        if taken >= training_class.capacity:
            result.errors.append(str(class_full_error(training_class).message))
        taken += 1
        if result.existing and result.profile is not None:
            village = result.profile.village  # where the person is registered, not the file
        else:
            village = result.fields.get("village")
        if not isinstance(village, Region):
            continue
        if by_village.get(village.pk, 0) >= quota:
            result.errors.append(str(village_quota_error(training_class, village).message))
        by_village[village.pk] = by_village.get(village.pk, 0) + 1


def import_candidates(training_class, uploaded_file, *, acting_user):
    """Check every row of ``uploaded_file``; save them all (one transaction) only if all pass.

    Returns an ``ImportReport`` (``saved`` tells whether anything was saved). Raises
    ``ValidationError`` for an unreadable file or a class not taking enrolments, and
    ``PermissionDenied`` for users who may not register people in the class.
    """
    if not may_register_in(acting_user, training_class):
        raise not_allowed_error()
    rows = read_rows(uploaded_file)
    locked = []

    def check():
        # The class stays locked until the rows are saved: the counts cannot change between.
        locked.append(
            TrainingClass.objects.select_for_update()
            .select_related("plan", "institution")
            .get(pk=training_class.pk)
        )
        if locked[0].status != TrainingClass.Status.ENROLLING:
            raise not_enrolling_error(locked[0])
        return check_rows(locked[0], rows, acting_user=acting_user)

    def save(report):
        for result in report.rows:
            _save_row(locked[0], result, acting_user)

    report, saved = xlsx.all_or_nothing(check, save)
    report.saved = saved
    return report


def _save_row(training_class, result, acting_user):
    person = result.profile
    try:
        if person.pk is None:
            fields = {name: getattr(person, name) for name in TraineeProfile.DETAIL_FIELDS}
            person = do_register_trainee(acting_user=acting_user, **fields)
            result.profile = person
        do_enrol(
            training_class,
            person,
            status=ClassEnrolment.Status.ENROLLED,
            source=ClassEnrolment.Source.IMPORT,
            acting_user=acting_user,
        )
    except ValidationError as error:
        result.errors.extend(error.messages)
        raise xlsx.RowsRefused from None
    except IntegrityError:
        # Someone registered the same ID number while this file was being saved.
        result.errors.append(_("A person with this ID number is already registered."))
        raise xlsx.RowsRefused from None


# --- The template ------------------------------------------------------------------------------


def template_headers():
    return [str(label) for _name, label in COLUMNS]


def template_csv():
    """The CSV template: the column names, UTF-8 with a byte order mark so Excel shows Chinese."""
    out = io.StringIO()
    csv.writer(out).writerow(template_headers())
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def _instructions():
    """(column, what to write) lines for the template's instructions sheet."""
    lines = []
    for name, label in COLUMNS:
        if name in CHOICE_FIELDS:
            allowed = _(", ").join(str(c.label) for c in CHOICE_FIELDS[name])
            text = _("One of: %(allowed)s.") % {"allowed": allowed}
        elif name == "id_number":
            text = _("18 characters; keep the column formatted as text so Excel keeps every digit.")
        elif name == "village":
            text = _("The village's division code (see the Villages sheet) or its full name.")
        elif name == "employer":
            text = _("Optional.")
        else:
            text = _("Required.")
        lines.append((str(label), str(text)))
    return lines


def template_xlsx(villages=None):
    """The XLSX template: a Candidates sheet with the column names (ID numbers and phones kept
    as text, drop-down lists for the choices), an Instructions sheet and a Villages sheet
    listing ``villages`` (division code and full name)."""
    names = [name for name, _label in COLUMNS]
    book = xlsx.TemplateWorkbook(
        _("Candidates"),
        template_headers(),
        widths=[22 if name in ("id_number", "village") else 16 for name in names],
        data_rows=MAX_ROWS,
    )
    for name in ("id_number", "phone"):
        book.keep_as_text(names.index(name) + 1)
    for name, choices in CHOICE_FIELDS.items():
        # Other words are accepted too (CHOICE_SYNONYMS): Excel only warns.
        book.drop_down(names.index(name) + 1, [c.label for c in choices], strict=False)
    book.instructions(
        _instructions(),
        limits=_("At most %(rows)d rows and 2 MB. If any row is wrong, nothing is imported.")
        % {"rows": MAX_ROWS},
        first_width=22,
    )
    village_sheet = book.add_sheet(_("Villages"))
    village_sheet.append([str(_("Division code")), str(_("Full name"))])
    for village in villages or []:
        village_sheet.append([village.code, village.full_name])
    village_sheet.column_dimensions["A"].width = 16
    village_sheet.column_dimensions["B"].width = 40
    return book.to_bytes()
