"""The training file screens in Wagtail's admin, under ``/admin/training-files/``.

- ``index``: the classes the user may see, each with its versions and a build button.
- ``class_files``: one class's versions, with progress while a build runs.
- ``request_build`` (POST): queue a new version through ``actions.check_request_build``.
- ``status`` (JSON): what the progress script polls.
- ``download``: the ZIP, through the permission check, never from a public media URL.

Users without ``trainingfile.view_trainingfile`` get 404s; institution staff see only their
institutions' classes (the same 404 for others' ids as for unknown ones).
"""

import re
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lms.training.models import TrainingClass
from lms.training.policy import is_supervisor, staffed_institution_ids

from .actions import check_request_build, do_record_download
from .models import TrainingFile
from .policy import (
    ADD_PERMISSION,
    access_class_for_files,
    access_training_file,
    can_build,
    can_use_training_files,
    classes_with_files_visible_to,
)

CLASSES_PER_PAGE = 30
VERSIONS_IN_LIST = 3


def _require_access(user):
    if not can_use_training_files(user):
        raise Http404(_("No such page."))


def _status_payload(training_file):
    ready = training_file.status == TrainingFile.Status.READY
    return {
        "id": training_file.pk,
        "version": training_file.version,
        "status": training_file.status,
        "status_label": str(training_file.get_status_display()),
        "progress": training_file.progress,
        "step": training_file.step,
        "error": training_file.error,
        "is_final": training_file.is_final,
        "size": training_file.size if ready else None,
        "sha256": training_file.sha256 if ready else None,
        "download_url": (
            reverse("trainingfile_download", args=[training_file.pk]) if ready else None
        ),
    }


def index(request):
    _require_access(request.user)
    query = (request.GET.get("q") or "").strip()
    classes = (
        classes_with_files_visible_to(request.user)
        .select_related("institution")
        .prefetch_related(
            Prefetch(
                "training_files",
                queryset=TrainingFile.objects.order_by("-version"),
                to_attr="versions",
            ),
        )
        .order_by("-start_date", "code")
    )
    if query:
        classes = classes.filter(Q(code__icontains=query) | Q(name__icontains=query))
    page = Paginator(classes, CLASSES_PER_PAGE).get_page(request.GET.get("p"))
    may_add = request.user.has_perm(ADD_PERMISSION)
    everywhere = is_supervisor(request.user)
    staffed = staffed_institution_ids(request.user)
    rows = []
    for training_class in page.object_list:
        rows.append(
            {
                "training_class": training_class,
                "versions": training_class.versions[:VERSIONS_IN_LIST],
                "more": max(len(training_class.versions) - VERSIONS_IN_LIST, 0),
                # policy.can_build, without a query per row
                "can_build": may_add and (everywhere or training_class.institution_id in staffed),
            }
        )
    return TemplateResponse(
        request,
        "trainingfile/admin/index.html",
        {
            "rows": rows,
            "page": page,
            "query": query,
            "page_title": _("Training files"),
            "header_icon": "folder-inverse",
        },
    )


def class_files(request, class_id):
    _require_access(request.user)
    training_class = access_class_for_files(request.user, class_id)
    versions = list(
        TrainingFile.objects.filter(training_class=training_class)
        .select_related("requested_by")
        .order_by("-version")
    )
    return TemplateResponse(
        request,
        "trainingfile/admin/class_files.html",
        {
            "training_class": training_class,
            "versions": versions,
            "can_build": can_build(request.user, training_class),
            "building": any(
                v.status in (TrainingFile.Status.QUEUED, TrainingFile.Status.BUILDING)
                for v in versions
            ),
            "page_title": _("Training files"),
            "page_subtitle": str(training_class),
            "header_icon": "folder-inverse",
            "archived": training_class.status == TrainingClass.Status.ARCHIVED,
        },
    )


@require_POST
def request_build(request, class_id):
    _require_access(request.user)
    training_class = access_class_for_files(request.user, class_id)
    try:
        training_file = check_request_build(training_class, acting_user=request.user)
    except PermissionDenied as error:
        messages.error(request, str(error))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        training_file.refresh_from_db()
        if training_file.status == TrainingFile.Status.FAILED:
            messages.error(
                request,
                _("Version %(version)d could not be built: %(error)s")
                % {"version": training_file.version, "error": training_file.error},
            )
        elif training_file.status == TrainingFile.Status.READY:
            messages.success(
                request,
                _("Version %(version)d of the training file is ready.")
                % {"version": training_file.version},
            )
        else:
            messages.success(
                request,
                _("Version %(version)d of the training file is being built.")
                % {"version": training_file.version},
            )
    return redirect("trainingfile_class", training_class.pk)


@require_GET
def status(request, file_id):
    _require_access(request.user)
    training_file = access_training_file(request.user, file_id)
    response = JsonResponse(_status_payload(training_file))
    response["Cache-Control"] = "no-store"
    return response


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def download_filename(training_file):
    """The file's name for the browser: Chinese class name and code, plus an ASCII fallback."""
    training_class = training_file.training_class
    version = training_file.version
    name = f"{_('Training file')}-{training_class.name}-{training_class.code}-v{version}"
    name = re.sub(r'[\\/:*?"<>|\r\n]+', "-", name) + ".zip"
    fallback = f"training-file-{_UNSAFE.sub('-', training_class.code).strip('-') or 'class'}"
    fallback = f"{fallback}-v{training_file.version}.zip"
    return name, fallback


@require_GET
def download(request, file_id):
    _require_access(request.user)
    training_file = access_training_file(request.user, file_id)
    if training_file.status != TrainingFile.Status.READY or not training_file.file:
        raise Http404(_("No such training file."))
    name, fallback = download_filename(training_file)
    do_record_download(training_file, acting_user=request.user)
    response = FileResponse(training_file.file.open("rb"), content_type="application/zip")
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
