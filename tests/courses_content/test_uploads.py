"""Images and documents that lecturers upload are checked before they are kept."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from wagtail.images import get_image_model

pytestmark = pytest.mark.django_db


def png_bytes(width=64, height=64):
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), "#b3261e").save(buffer, "PNG")
    return buffer.getvalue()


def upload(client, name, content, content_type="image/png"):
    return client.post(
        "/admin/images/add/",
        {"title": name, "file": SimpleUploadedFile(name, content, content_type), "collection": 1},
    )


@pytest.fixture
def lecturer_client(client, make_user):
    client.force_login(make_user("lecturer"))
    return client


def test_a_real_image_is_accepted(lecturer_client):
    response = upload(lecturer_client, "shop.png", png_bytes())
    assert response.status_code == 302
    assert get_image_model().objects.count() == 1


def test_a_file_that_is_not_an_image_is_refused(lecturer_client):
    response = upload(lecturer_client, "virus.png", b"MZ\x90\x00 not an image at all")
    assert response.status_code == 200
    assert get_image_model().objects.count() == 0
    assert response.context["form"].errors["file"]


def test_a_disallowed_extension_is_refused(lecturer_client):
    response = upload(lecturer_client, "shop.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    assert response.status_code == 200
    assert get_image_model().objects.count() == 0


def test_an_oversized_file_is_refused(lecturer_client, settings):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 1024
    response = upload(lecturer_client, "big.png", png_bytes(400, 400) + b"\0" * 4096)
    assert response.status_code == 200
    assert get_image_model().objects.count() == 0
    assert response.context["form"].errors["file"]


def test_a_decompression_bomb_is_refused(lecturer_client, settings):
    settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS = 1_000_000
    # A small file that would decode to 4000 x 4000 pixels.
    response = upload(lecturer_client, "bomb.png", png_bytes(4000, 4000))
    assert response.status_code == 200
    assert get_image_model().objects.count() == 0
    errors = " ".join(response.context["form"].errors["file"])
    assert errors


def test_documents_of_unexpected_types_are_refused(lecturer_client):
    from wagtail.documents import get_document_model

    response = lecturer_client.post(
        "/admin/documents/add/",
        {
            "title": "tool",
            "file": SimpleUploadedFile("tool.exe", b"MZ", "application/octet-stream"),
            "collection": 1,
        },
    )
    assert response.status_code == 200
    assert get_document_model().objects.count() == 0


def test_a_spreadsheet_is_served_as_a_download_not_inline(lecturer_client, client):
    from wagtail.documents import get_document_model

    response = lecturer_client.post(
        "/admin/documents/add/",
        {
            "title": "报价表",
            "file": SimpleUploadedFile(
                "prices.xlsx", b"PK\x03\x04data", "application/vnd.ms-excel"
            ),
            "collection": 1,
        },
    )
    assert response.status_code == 302
    document = get_document_model().objects.get()
    served = client.get(document.url)
    assert served.status_code == 200
    assert served["Content-Disposition"].startswith("attachment")
