from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog, set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from courses_content import views as courses_content_views
from lms.accounts import views as account_views
from lms.accounts.forms import LoginForm
from lms.api import api, api_not_found
from lms.core import views as core_views

accounts_patterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("profile/", account_views.profile, name="profile"),
    path("tokens/", account_views.api_tokens, name="api_tokens"),
    path("tokens/<int:token_id>/revoke/", account_views.revoke_api_token, name="revoke_api_token"),
]

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<path>.*)$", api_not_found),
    path("accounts/", include(accounts_patterns)),
    path("dashboard/", core_views.dashboard, name="dashboard"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/js/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    # One sign-in page for everyone, throttled the same way.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("cases/", include("courses_content.urls")),
    path("learning/", include("lms.learning.urls")),
    path("training/", include("lms.training.urls")),
    path("training/", include("lms.enrolment.urls")),
    path("training/", include("lms.attendance.urls")),
    path("training/", include("lms.evaluation.urls")),
    path("training/", include("lms.trainingfile.urls")),
    path("training/", include("live.urls")),
    path("exams/", include("assessments.urls_exams")),
    path("exams/", include("assessments.urls_grading")),
    path("certificates/", include("assessments.urls_certificates")),
    path("search/", courses_content_views.search, name="search"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]

handler400 = "lms.core.views.bad_request"
handler403 = "lms.core.views.permission_denied"
handler404 = "lms.core.views.page_not_found"
handler500 = "lms.core.views.server_error"
