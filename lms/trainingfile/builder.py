"""Building one training file: every registered section, a manifest, one ZIP.

``run_build`` is what the background task runs. It claims a queued ``TrainingFile`` (so a
build runs once even if the task is delivered twice), reports progress after each section in
its own short write, writes the ZIP to a temporary file, saves it to the file field's storage
with its size and SHA-256, and marks the row ready. Any error marks the row failed with a
message and leaves no file behind; a retry is a new version.
"""

import hashlib
import json
import logging
import os
import secrets
import tempfile
import zipfile

from django.conf import settings
from django.core.files import File
from django.utils import timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from lms.training.models import TrainingClass

from .documents import Fields, Paragraph, Report, Table, render, report_characters
from .fonts import FontMissing, find_cjk_font, subset_font
from .models import TrainingFile
from .records import ClassRecord, person
from .sections import planned_but_missing, registered_sections

logger = logging.getLogger(__name__)

MANIFEST_PDF = "00-manifest.pdf"
MANIFEST_JSON = "manifest.json"


class BuildError(Exception):
    """A build problem whose message is meant for the person who asked for the build."""


def _progress(training_file_id, percent, step):
    TrainingFile.objects.filter(pk=training_file_id, status=TrainingFile.Status.BUILDING).update(
        progress=min(max(int(percent), 0), 99), step=str(step)[:100]
    )


def _sha256(content):
    return hashlib.sha256(content).hexdigest()


def _manifest(training_file, record, entries, built_at):
    cls = record.training_class
    missing = [str(title) for title in planned_but_missing()]
    data = {
        "class": {
            "id": cls.pk,
            "code": cls.code,
            "name": cls.name,
            "institution": cls.institution.legal_name,
            "status": cls.status,
        },
        "version": training_file.version,
        "final": cls.status == TrainingClass.Status.ARCHIVED,
        "built_at": timezone.localtime(built_at).isoformat(),
        "requested_by": person(training_file.requested_by),
        "requested_at": timezone.localtime(training_file.requested_at).isoformat(),
        "files": [
            {"name": name, "title": title, "size": len(content), "sha256": _sha256(content)}
            for name, title, content in entries
        ],
        "not_yet_included": missing,
    }
    items = [
        (_("Class"), f"{cls.name}（{cls.code}）"),
        (_("Training institution"), cls.institution.legal_name),
        (_("Class status"), cls.get_status_display()),
        (_("Version"), training_file.version),
        (_("Final"), data["final"]),
        (_("Built at"), built_at),
        (_("Requested by"), data["requested_by"]),
        (_("Requested at"), training_file.requested_at),
    ]
    blocks = [
        Fields(sheet=_("Manifest"), items=items),
        Table(
            sheet=_("Files"),
            title=_("Files"),
            headers=[_("File"), _("Contents"), _("Size (bytes)"), "SHA-256"],
            rows=[[f["name"], f["title"], f["size"], f["sha256"]] for f in data["files"]],
            widths=[3.2, 4.5, 1.6, 7.5],
        ),
        Paragraph(
            _(
                "%(json)s repeats this list for programs. A file built after the class was "
                "archived is final: it is never changed, and a later build is a new version."
            )
            % {"json": MANIFEST_JSON}
        ),
    ]
    if missing:
        blocks.append(
            Paragraph(
                _("Not yet included: %(sections)s. They will be added when those features land.")
                % {"sections": "、".join(missing)}
            )
        )
    report = Report(
        title=_("Training file manifest"),
        subtitle=f"{cls.name}（{cls.code}） · v{training_file.version}",
        blocks=blocks,
    )
    as_json = json.dumps(data, ensure_ascii=False, indent=2).encode()
    return report, as_json


def _storage_name(training_file):
    code = get_valid_filename(training_file.training_class.code) or "class"
    token = secrets.token_hex(8)
    return (
        f"training-files/{training_file.training_class_id}/"
        f"{code}-v{training_file.version}-{token}.zip"
    )


def _build(training_file, workdir):
    """Build and save the ZIP; return ``(stored name, size, sha256, class status)``."""
    font = find_cjk_font()
    record = ClassRecord(training_file.training_class_id)
    footer = (
        f"{record.training_class.name}（{record.training_class.code}） · "
        f"{_('Training file')} v{training_file.version}"
    )

    # 1. Each section reads its records (5-60%).
    sections = registered_sections()
    outputs = []
    for index, section in enumerate(sections):
        _progress(training_file.pk, 5 + 55 * index / len(sections), section.title)
        for output in section.build(record):
            if output.report is not None and not output.report.footer:
                output.report.footer = footer
            outputs.append(output)

    # 2. One font subset with every character the PDFs print, manifest included (its hashes,
    # sizes and times are ASCII, which every subset holds).
    _progress(training_file.pk, 62, _("Preparing the Chinese font"))
    characters = set(footer)
    for output in outputs:
        if output.report is not None and output.filename.endswith(".pdf"):
            characters |= report_characters(output.report)
    probe, _json = _manifest(
        training_file, record, [(o.filename, str(o.title), b"") for o in outputs], timezone.now()
    )
    characters |= report_characters(probe)
    font_path = subset_font(font, characters, os.path.join(workdir, "cjk.ttf"))

    # 3. Render every document (65-90%), then the manifest.
    entries = []
    for index, output in enumerate(outputs):
        _progress(
            training_file.pk,
            65 + 25 * index / len(outputs),
            _("Writing %(file)s") % {"file": output.filename},
        )
        if output.content is not None:
            content = output.content
        else:
            content = render(output.filename, output.report, font_path)
        entries.append((output.filename, str(output.title), content))
    _progress(training_file.pk, 92, _("Manifest"))
    built_at = timezone.now()
    manifest_report, manifest_json = _manifest(training_file, record, entries, built_at)
    manifest_report.footer = footer
    entries.insert(0, (MANIFEST_PDF, "", render(MANIFEST_PDF, manifest_report, font_path)))
    entries.append((MANIFEST_JSON, "", manifest_json))

    # 4. The ZIP goes to a temporary file, then to the file field's storage.
    _progress(training_file.pk, 95, _("Saving"))
    stamp = timezone.localtime(built_at).timetuple()[:6]
    digest = hashlib.sha256()
    storage = TrainingFile._meta.get_field("file").storage
    with open(os.path.join(workdir, "training-file.zip"), "w+b") as temporary:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, _title, content in entries:
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, content)
        size = temporary.tell()
        temporary.seek(0)
        for chunk in iter(lambda: temporary.read(1 << 16), b""):
            digest.update(chunk)
        temporary.seek(0)
        stored = storage.save(_storage_name(training_file), File(temporary))
    return stored, size, digest.hexdigest(), record.training_class.status


def run_build(training_file_id):
    """Build the queued training file ``training_file_id``; never raises."""
    claimed = TrainingFile.objects.filter(
        pk=training_file_id, status=TrainingFile.Status.QUEUED
    ).update(status=TrainingFile.Status.BUILDING, progress=1)
    if not claimed:
        return  # already built, failed or taken by another worker
    training_file = TrainingFile.objects.select_related("training_class", "requested_by").get(
        pk=training_file_id
    )
    stored = None
    try:
        with translation.override(settings.LANGUAGE_CODE), tempfile.TemporaryDirectory() as workdir:
            _progress(training_file_id, 2, _("Starting"))
            stored, size, sha256, class_status = _build(training_file, workdir)
            finished = TrainingFile.objects.filter(
                pk=training_file_id, status=TrainingFile.Status.BUILDING
            ).update(
                status=TrainingFile.Status.READY,
                file=stored,
                size=size,
                sha256=sha256,
                progress=100,
                step="",
                class_status=class_status,
                is_final=class_status == TrainingClass.Status.ARCHIVED,
                finished_at=timezone.now(),
            )
            if not finished:
                raise BuildError(_("The build was stopped before it finished."))
    except Exception as error:
        if isinstance(error, FontMissing | BuildError):
            message = str(error)
        else:
            logger.exception("Training file %s failed", training_file_id)
            with translation.override(settings.LANGUAGE_CODE):
                message = _("The build failed: %(error)s") % {
                    "error": f"{type(error).__name__}: {error}"[:500]
                }
        if stored:
            TrainingFile._meta.get_field("file").storage.delete(stored)
        TrainingFile.objects.filter(
            pk=training_file_id, status=TrainingFile.Status.BUILDING
        ).update(
            status=TrainingFile.Status.FAILED,
            error=message,
            step="",
            finished_at=timezone.now(),
        )
