"""Formats that need a parser beyond Pillow and zipfile: old binary Word and Excel files (OLE
compound files, checked with olefile) and HEIC/HEIF phone photos (read with pillow-heif).

Only real Word 97+ and Excel 97+ files without macros are shared; Office Open XML packages with a
VBA project are refused too. The compound files are built here byte by byte, since olefile only
reads. HEIC photos go through the same checks and cleaning as any picture and are stored as JPEG.
"""

import io
import struct
import zipfile

import pillow_heif
import pytest
from PIL import Image

from live import uploads
from live.models import ChatAttachment
from tests.live.chat_support import build_class
from tests.live.test_uploads import PDF, ooxml, post, stored_files, upload_file

pytestmark = pytest.mark.django_db

SECTOR = 512
FREE, END_OF_CHAIN, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
STORAGE, STREAM, ROOT = 1, 2, 5


def compound_file(entries):
    """A version 3 OLE compound file holding ``entries``: ``(path, bytes)`` for a stream,
    ``(path, None)`` for a storage, parents before their children.

    Each stream is padded to 4096 bytes so it lives in ordinary sectors (a smaller one would
    need the mini stream, which this small writer leaves out). Siblings are chained through
    their right links, which readers accept as a (degenerate) tree."""
    nodes = [{"name": "Root Entry", "type": ROOT, "kids": [], "data": b""}]
    index_of = {(): 0}
    for path, data in entries:
        parts = tuple(path.split("/"))
        index_of[parts] = len(nodes)
        nodes[index_of[parts[:-1]]]["kids"].append(len(nodes))
        kind = STORAGE if data is None else STREAM
        nodes.append({"name": parts[-1], "type": kind, "kids": [], "data": (data or b"")})
        if data is not None:
            nodes[-1]["data"] = data.ljust(4096, b"\0")
    right_of = {}
    for node in nodes:
        for left, right in zip(node["kids"], node["kids"][1:], strict=False):
            right_of[left] = right

    directory_sectors = -(-len(nodes) // 4)
    fat = [FAT_SECTOR, *range(2, directory_sectors + 1), END_OF_CHAIN]
    data_sectors = b""
    for node in nodes:
        count = len(node["data"]) // SECTOR
        node["start"] = len(fat) if count else END_OF_CHAIN
        fat += [len(fat) + i + 1 for i in range(count - 1)] + [END_OF_CHAIN] * bool(count)
        data_sectors += node["data"]
    fat += [FREE] * (SECTOR // 4 - len(fat))

    directory = b""
    for index, node in enumerate(nodes):
        name = node["name"].encode("utf-16-le") + b"\0\0"
        child = node["kids"][0] if node["kids"] else NO_STREAM
        directory += name.ljust(64, b"\0") + struct.pack(
            "<HBBIII16sI16sIQ",
            len(name),
            node["type"],
            1,  # black
            NO_STREAM,
            right_of.get(index, NO_STREAM),
            child,
            b"",
            0,
            b"",
            node["start"],
            len(node["data"]),
        )
    empty = b"\0" * 64 + struct.pack("<HBBIII", 0, 0, 0, NO_STREAM, NO_STREAM, NO_STREAM)
    directory += empty.ljust(128, b"\0") * (directory_sectors * 4 - len(nodes))

    header = (
        uploads.OLE_MAGIC
        + b"\0" * 16
        + struct.pack("<HHHHH6x", 0x3E, 3, 0xFFFE, 9, 6)
        + struct.pack("<10I", 0, 1, 1, 0, 4096, END_OF_CHAIN, 0, END_OF_CHAIN, 0, 0)
        + struct.pack("<108I", *[FREE] * 108)
    )
    return header + struct.pack("<128I", *fat) + directory + data_sectors


def biff(record, data=b""):
    return struct.pack("<HH", record, len(data)) + data


def boundsheet(name, sheet_type):
    """A BOUNDSHEET record: stream position, visible, ``sheet_type`` (0 sheet, 1 macro sheet)."""
    return biff(0x0085, struct.pack("<IBBBB", 0, 0, sheet_type, len(name), 0) + name.encode())


BOF = biff(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0, 0, 0, 0))
WORKBOOK = BOF + boundsheet("Sheet1", 0) + biff(0x000A)
WORD_STREAM = struct.pack("<HH", 0xA5EC, 0x00C1)  # Word 97+ FIB: wIdent, nFib


def doc(*extra):
    return compound_file([("WordDocument", WORD_STREAM), ("1Table", b"table"), *extra])


def xls(workbook=WORKBOOK, *extra):
    return compound_file([("Workbook", workbook), *extra])


VBA_IN_WORD = [("Macros", None), ("Macros/VBA", None), ("Macros/VBA/dir", b"vba")]
VBA_IN_EMBEDDED_OBJECT = [
    ("ObjectPool", None),
    ("ObjectPool/_1", None),
    ("ObjectPool/_1/VBA", None),
]
VBA_IN_EXCEL = [("_VBA_PROJECT_CUR", None), ("_VBA_PROJECT_CUR/VBA", None)]


@pytest.fixture
def school():
    return build_class(trainees=1)


def refused(client, school, name, content):
    response = post(client, school.room, school.lecturer, name, content)
    assert response.status_code == 400
    assert not ChatAttachment.objects.exists() and stored_files() == []
    return response.json()["detail"]


@pytest.mark.parametrize(
    "name, content, content_type",
    [("讲义.doc", doc(), "application/msword"), ("名单.xls", xls(), "application/vnd.ms-excel")],
)
def test_a_real_old_office_file_is_shared(client, school, name, content, content_type):
    response = post(client, school.room, school.head, name, content)
    assert response.status_code == 201, response.json()
    attachment = ChatAttachment.objects.get()
    assert attachment.content_type == content_type and attachment.original_name == name
    with attachment.file.open("rb") as stored:
        assert stored.read() == content


@pytest.mark.parametrize(
    "name, content",
    [
        ("old.doc", doc(*VBA_IN_WORD)),
        ("old.doc", doc(*VBA_IN_EMBEDDED_OBJECT)),
        ("old.xls", xls(WORKBOOK, *VBA_IN_EXCEL)),
        ("old.xls", xls(BOF + boundsheet("Sheet1", 0) + boundsheet("Macro1", 1) + biff(0x000A))),
        ("old.xls", xls(BOF + boundsheet("Module1", 6) + biff(0x000A))),
    ],
)
def test_old_office_files_with_macros_are_refused(client, school, name, content):
    detail = refused(client, school, name, content)
    assert "macros" in detail and "does not match" not in detail


def test_a_password_protected_workbook_is_refused(client, school):
    # After FILEPASS the sheet records are encrypted: a macro sheet could hide there.
    workbook = BOF + biff(0x002F, b"\x01\x00" + b"\0" * 52) + boundsheet("Sheet1", 0)
    assert "Password-protected" in refused(client, school, "marks.xls", xls(workbook))


@pytest.mark.parametrize(
    "name, content",
    [
        ("old.doc", uploads.OLE_MAGIC + b"\0" * 504),  # the header and nothing behind it
        ("old.doc", uploads.OLE_MAGIC + PDF * 20),
        ("old.doc", xls()),  # a workbook called a Word document
        ("old.xls", doc()),
        ("old.doc", compound_file([("WordDocument", struct.pack("<HH", 0xA5DC, 0x0065))])),
        ("old.xls", xls(biff(0x0085, b"\0" * 8) + biff(0x000A))),  # no BOF: not a workbook
        ("old.xls", compound_file([("Book", WORKBOOK)])),  # Excel 95
    ],
)
def test_what_is_not_a_word_97_or_excel_97_file_is_refused(client, school, name, content):
    assert "does not match" in refused(client, school, name, content)


def test_trainees_still_may_not_share_old_office_files(client, school):
    response = post(client, school.room, school.trainees[0], "a.doc", doc())
    assert response.status_code == 400
    assert "head teacher and lecturers" in response.json()["detail"]


def test_a_package_declaring_a_vba_project_under_another_name_is_refused(client, school):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Override PartName="/main.xml" ContentType="'
            + uploads.OOXML_MAIN_PART["xlsx"]
            + '"/><Override PartName="/xl/code.bin" '
            'ContentType="application/vnd.ms-office.vbaProject"/></Types>',
        )
        package.writestr("main.xml", "<x/>")
        package.writestr("xl/code.bin", b"macro")
    assert "does not match" in refused(client, school, "list.xlsx", out.getvalue())


def test_an_office_package_without_macros_is_still_shared(school):
    attachment = uploads.check_upload(
        school.room, school.lecturer, upload_file("a.xlsx", ooxml(uploads.OOXML_MAIN_PART["xlsx"]))
    )
    assert attachment.content_type == uploads.FILE_CONTENT_TYPES["xlsx"]


# --- HEIC/HEIF phone photos -----------------------------------------------------------------


def heic(size=(96, 64), orientation=None):
    """A real HEIC photo (HEVC-coded by pillow-heif) carrying a GPS position and a phone model."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (28.0, 12.0, 30.0)
    out = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", size, (30, 160, 60))).save(
        out, exif=exif.tobytes(), quality=80
    )
    return out.getvalue()


def test_a_heic_photo_is_stored_as_a_clean_jpeg_with_a_phone_rendition(client, school):
    raw = heic()
    assert raw[4:12] == b"ftypheic" and b"PhoneMaker" in raw
    response = post(client, school.room, school.trainees[0], "IMG_0042.HEIC", raw)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "IMG_0042.jpg" and (body["width"], body["height"]) == (96, 64)
    attachment = ChatAttachment.objects.get()
    assert attachment.content_type == "image/jpeg" and attachment.file.name.endswith(".jpg")
    with attachment.file.open("rb") as stored:
        data = stored.read()
    assert b"PhoneMaker" not in data and b"Exif" not in data
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.format == "JPEG" and picture.size == (96, 64)
        assert len(picture.getexif()) == 0
        red, green, blue = picture.convert("RGB").getpixel((48, 32))
        assert green > 120 and red < 80 and blue < 100  # the photo itself, decoded
    with attachment.phone_rendition.open("rb") as phone_file, Image.open(phone_file) as phone:
        assert phone.format == "WEBP" and phone.size == (96, 64)


def test_a_heic_photo_is_turned_upright_once(school):
    # HEIF readers apply the file's own rotation and ignore the EXIF tag; it must not be applied
    # a second time.
    raw = heic(orientation=6)
    with Image.open(io.BytesIO(raw)) as shown:
        expected = shown.size
    attachment = uploads.check_upload(
        school.room, school.trainees[0], upload_file("side.heic", raw)
    )
    assert (attachment.width, attachment.height) == expected
    with attachment.file.open("rb") as stored, Image.open(stored) as picture:
        assert picture.size == expected and 0x0112 not in picture.getexif()


def test_a_heic_photo_follows_the_pixel_limit(settings, client, school):
    settings.CHAT_IMAGE_MAX_PIXELS = 5_000
    response = post(client, school.room, school.trainees[0], "IMG_0042.heic", heic())
    assert response.status_code == 400
    assert "million pixels" in response.json()["detail"]
    assert stored_files() == []


@pytest.mark.parametrize(
    "content",
    [
        b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 200,  # a HEIC header and nothing else
        heic()[:300],  # cut off
        PDF,
    ],
)
def test_what_is_not_a_readable_heic_photo_is_refused(client, school, content):
    response = post(client, school.room, school.trainees[0], "IMG_0042.heic", content)
    assert response.status_code == 400
    assert "not a picture" in response.json()["detail"]
    assert not ChatAttachment.objects.exists() and stored_files() == []
