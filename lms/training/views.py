"""Public pages for training: the notices (公示) of cancelled qualifications. No sign-in needed."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from .models import Institution, InstitutionStatusChange

NOTICES_PER_PAGE = 20


def _cancellations():
    return InstitutionStatusChange.objects.filter(
        to_status=Institution.Status.CANCELLED
    ).select_related("institution")


def notice_index(request):
    """Every cancelled qualification, newest first, twenty a page, in a fixed number of queries."""
    page_obj = Paginator(_cancellations(), NOTICES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "training/notice_index.html",
        {"page_obj": page_obj, "notices": page_obj.object_list},
    )


def notice_detail(request, pk):
    """One cancellation notice; 404 for unknown ids and for changes that are not cancellations."""
    notice = get_object_or_404(_cancellations(), pk=pk)
    return render(request, "training/notice_detail.html", {"notice": notice})
