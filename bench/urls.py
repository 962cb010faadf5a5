from django.http import HttpResponse
from django.urls import include, path


def plain(request):
    """The baseline: a Django view that does nothing but answer."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/plain/", plain),
    path("", include("lms.urls")),
]
