"""Certificates: mine, the PDF, the public verification page (``/certificates/...``)."""

from django.urls import path

from . import views_certificates as views

app_name = "certificates"
urlpatterns = [
    path("verify/", views.verify_form, name="verify_form"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("mine/", views.mine, name="mine"),
    path("register/", views.register, name="register"),
    path("classes/<int:class_id>/", views.class_certificates, name="class"),
    path("<int:certificate_id>/", views.certificate_detail, name="detail"),
    path("<int:certificate_id>/pdf/", views.certificate_pdf, name="pdf"),
    path("<int:certificate_id>/revoke/", views.revoke, name="revoke"),
    path("<int:certificate_id>/reissue/", views.reissue, name="reissue"),
]
