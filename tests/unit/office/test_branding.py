"""The office logo: checked on content, cleaned, stored atomically, admin only, audited;
and how it reaches the mails (brand colour, inline logo, From name)."""

from __future__ import annotations

import json
import struct
import zlib
from email import message_from_bytes, policy
from io import BytesIO

import pytest
from PIL import Image
from sqlmodel import select

from portal_app.audit.models import AuditEvent
from portal_app.core.services.errors import PermissionDenied
from portal_app.documents.services.uploads import UploadRefused
from portal_app.notifications.models import OutboxMail
from portal_app.notifications.services import mail
from portal_app.office.models import OfficeSetting
from portal_app.office.services import branding, office_settings


def png_bytes(width=300, height=100, mode="RGB", colour=(200, 30, 30), **save) -> bytes:
    out = BytesIO()
    Image.new(mode, (width, height), colour).save(out, format="PNG", **save)
    return out.getvalue()


def jpeg_bytes(width=300, height=100, **save) -> bytes:
    out = BytesIO()
    Image.new("RGB", (width, height), (20, 90, 160)).save(out, format="JPEG", **save)
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_with_size(width: int, height: int) -> bytes:
    """A tiny file whose header claims `width` x `height` pixels (a decompression bomb's shape)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def stored_image(path):
    with Image.open(path) as image:
        image.load()
        return image.format, image.size, image.mode, dict(image.info)


def branding_files(settings):
    folder = branding.branding_dir(settings)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def store(db, world, filename, data, actor=None):  # noqa: F811
    return branding.store_logo(
        session=db, actor=actor or world.admin, filename=filename, data=data, settings=world.settings
    )


# ----------------------------------------------------------------------------- accepted


def test_png_is_stored_as_a_clean_png(db, world):  # noqa: F811
    profile = store(db, world, "logo.png", png_bytes(300, 100))
    assert office_settings.LOGO_FILE.fullmatch(profile.logo_file)
    assert profile.logo_version.isalnum()
    assert profile.logo_url == f"/branding/logo.png?v={profile.logo_version}"
    path = branding.logo_path(world.settings, profile)
    assert path == world.settings.data_dir / "branding" / profile.logo_file
    assert stored_image(path)[:2] == ("PNG", (300, 100))
    assert branding_files(world.settings) == [profile.logo_file]  # no temp file left behind


def test_large_png_is_scaled_down_to_fit_600_by_200(db, world):  # noqa: F811
    profile = store(db, world, "groot.PNG", png_bytes(1800, 900))
    fmt, size, _mode, _info = stored_image(branding.logo_path(world.settings, profile))
    assert fmt == "PNG" and size == (400, 200)
    profile = store(db, world, "breed.png", png_bytes(3000, 100))
    assert stored_image(branding.logo_path(world.settings, profile))[1] == (600, 20)


def test_jpeg_is_re_encoded_as_png(db, world):  # noqa: F811
    for name in ("logo.jpg", "logo.jpeg"):
        profile = store(db, world, name, jpeg_bytes(900, 300))
        path = branding.logo_path(world.settings, profile)
        assert path.name.endswith(".png")
        fmt, size, mode, _ = stored_image(path)
        assert fmt == "PNG" and size == (600, 200) and mode == "RGB"


def test_jpeg_orientation_is_applied_and_exif_dropped(db, world):  # noqa: F811
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees when shown
    exif[0x010F] = "Camera Maker SECRET"
    profile = store(db, world, "foto.jpg", jpeg_bytes(300, 100, exif=exif.tobytes()))
    path = branding.logo_path(world.settings, profile)
    _fmt, size, _mode, info = stored_image(path)
    assert size == (67, 200)  # upright: 100 x 300 scaled into 600 x 200
    assert "exif" not in info
    assert b"SECRET" not in path.read_bytes()


def test_transparency_is_kept(db, world):  # noqa: F811
    profile = store(db, world, "logo.png", png_bytes(200, 100, mode="RGBA", colour=(0, 0, 0, 0)))
    assert stored_image(branding.logo_path(world.settings, profile))[2] == "RGBA"


def test_metadata_and_polyglot_payloads_are_not_copied(db, world):  # noqa: F811
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "<script>alert('tekst')</script>")
    data = png_bytes(120, 40, pnginfo=info) + b"<html><script>alert(1)</script></html>"
    profile = store(db, world, "logo.png", data)
    stored = branding.logo_path(world.settings, profile).read_bytes()
    assert b"<script" not in stored and b"<html" not in stored
    assert b"tEXt" not in stored and b"iTXt" not in stored and b"zTXt" not in stored
    assert stored_image(branding.logo_path(world.settings, profile))[3].get("Comment") is None


# ----------------------------------------------------------------------------- refused


@pytest.mark.parametrize(
    "filename, data, code",
    [
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "branding.type_not_allowed",
        ),
        ("logo.png", b"<!doctype html><html><script>alert(1)</script></html>", "branding.content_mismatch"),
        ("logo.png", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "branding.content_mismatch"),
        ("logo.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "branding.type_not_allowed"),
        ("logo.pdf", b"%PDF-1.4\n%%EOF\n", "branding.type_not_allowed"),
        ("logo", b"\x89PNG\r\n\x1a\n", "branding.type_not_allowed"),
        ("logo.jpg", png_bytes(), "branding.content_mismatch"),  # a PNG named .jpg
        ("logo.png", b"", "branding.empty"),
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 * 1024 * 1024), "branding.too_large"),
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"kapot" * 40, "branding.unreadable"),
        ("logo.png", png_bytes(400, 400)[:300], "branding.unreadable"),  # truncated
        ("logo.jpg", jpeg_bytes()[:200], "branding.unreadable"),
        ("logo.png", png_with_size(100, 100), "branding.unreadable"),  # IDAT far too short
        ("logo.png", png_with_size(60000, 60000), "branding.dimensions"),  # decompression bomb
        ("logo.png", png_with_size(5000, 5000), "branding.dimensions"),  # 25 megapixels
        ("logo.png", png_with_size(9000, 1), "branding.dimensions"),
        ("logo.png", png_with_size(0, 10), "branding.unreadable"),
    ],
)
def test_refused_uploads_change_nothing(db, world, filename, data, code):  # noqa: F811
    before = db.exec(select(AuditEvent)).all()
    with pytest.raises(UploadRefused) as refused:
        store(db, world, filename, data)
    assert refused.value.code == code
    assert db.get(OfficeSetting, "logo") is None
    assert branding_files(world.settings) == []
    assert len(db.exec(select(AuditEvent)).all()) == len(before)


def test_refusal_codes_have_texts_in_both_languages():
    from portal_app.core.services import i18n

    for code in (
        "branding.type_not_allowed",
        "branding.content_mismatch",
        "branding.empty",
        "branding.too_large",
        "branding.unreadable",
        "branding.dimensions",
    ):
        assert code in i18n.TRANSLATIONS["nl"] and code in i18n.TRANSLATIONS["en"]
    assert "2 MB" in i18n.t("branding.too_large", "nl", max_mb=branding.MAX_INPUT_MB)


@pytest.mark.parametrize("who", ["handler", "client", "company", None])
def test_only_an_admin_may_change_the_logo(db, world, who):  # noqa: F811
    actor = getattr(world, who) if who else None
    with pytest.raises(PermissionDenied):
        branding.store_logo(session=db, actor=actor, filename="logo.png", data=png_bytes(), settings=world.settings)
    with pytest.raises(PermissionDenied):
        branding.remove_logo(session=db, actor=actor)
    assert db.get(OfficeSetting, "logo") is None
    assert branding_files(world.settings) == []
    assert office_settings.profile(db).logo_file == ""


def test_change_and_removal_are_audited_and_old_files_kept(db, world):  # noqa: F811
    first = store(db, world, "logo.png", png_bytes())
    second = store(db, world, "nieuw.png", png_bytes(colour=(0, 0, 0)))
    assert first.logo_file != second.logo_file and first.logo_version != second.logo_version
    events = db.exec(select(AuditEvent).where(AuditEvent.target == "setting:logo")).all()
    assert len(events) == 2
    assert all(event.actor_id == world.admin.id and event.event_type == "office_setting.changed" for event in events)
    stored = json.loads(db.get(OfficeSetting, "logo").value)
    assert stored["file"] == second.logo_file

    removed = branding.remove_logo(session=db, actor=world.admin)
    assert removed.logo_file == "" and removed.logo_url == ""
    assert branding.logo_path(world.settings, removed) is None
    assert len(db.exec(select(AuditEvent).where(AuditEvent.target == "setting:logo")).all()) == 3
    # Mails still in the outbox may name either file: both stay.
    assert branding_files(world.settings) == sorted([first.logo_file, second.logo_file])


def test_logo_path_only_for_existing_well_named_files(db, world):  # noqa: F811
    profile = store(db, world, "logo.png", png_bytes())
    path = branding.logo_path(world.settings, profile)
    assert path is not None
    path.unlink()
    assert branding.logo_path(world.settings, profile) is None
    for bad in ("../secret_key", "logo-0123.png", "LOGO-0123456789abcdef.png", "logo-0123456789abcdef.png/../x"):
        assert branding.path_for(world.settings, bad) is None


# ----------------------------------------------------------------------------- mails


def queue(db, **context):
    row = mail.queue_mail(
        session=db,
        to="klant@example.nl",
        kind="password_set",
        language="nl",
        context={
            "office_name": "genegeerd",
            "name": "Jan Jansen",
            "link": "https://portaal.example.nl/login",
            **context,
        },
    )
    db.flush()
    return row


def as_row(outbox: OutboxMail) -> dict:
    return {
        "id": outbox.id,
        "to_address": outbox.to_address,
        "subject": outbox.subject,
        "body_text": outbox.body_text,
        "body_html": outbox.body_html,
        "attempts": 0,
        "created_at": outbox.created_at,
    }


def test_mails_use_the_brand_colour_and_the_logo_cid(db, world):  # noqa: F811
    office_settings.update(db, {"brand_colour": "#7a1f1f", "office_name": "Kantoor Van Dam & Zn"}, actor_id=None)
    plain = queue(db)
    assert "background:#7a1f1f" in plain.body_html and "cid:" not in plain.body_html
    assert "Kantoor Van Dam &amp; Zn" in plain.body_html

    profile = store(db, world, "logo.png", png_bytes())
    with_logo = queue(db)
    cid = f"{profile.logo_file}@{mail.LOGO_CID_DOMAIN}"
    assert f'<img src="cid:{cid}" alt="Kantoor Van Dam &amp; Zn"' in with_logo.body_html
    assert "cid:" not in with_logo.body_text


def test_sent_mail_carries_the_logo_inline_or_falls_back_to_the_name(db, world):  # noqa: F811
    office_settings.update(db, {"office_name": "Kantoor Van Dam & Zn"}, actor_id=None)
    profile = store(db, world, "logo.png", png_bytes())
    row = as_row(queue(db))
    cid = f"{profile.logo_file}@{mail.LOGO_CID_DOMAIN}"

    message = mail._build_message(row, world.settings, office_name="Kantoor Van Dam & Zn")
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert parsed["From"].addresses[0].display_name == "Kantoor Van Dam & Zn"
    images = [part for part in parsed.walk() if part.get_content_type() == "image/png"]
    assert len(images) == 1
    assert images[0]["Content-ID"] == f"<{cid}>"
    assert images[0].get_content() == branding.logo_path(world.settings, profile).read_bytes()
    related = [part for part in parsed.walk() if part.get_content_type() == "multipart/related"]
    assert len(related) == 1
    assert f'src="cid:{cid}"' in parsed.get_body(preferencelist=("html",)).get_content()

    # The file is gone by the time the mail is sent: no image, no dangling cid, the name instead.
    branding.logo_path(world.settings, profile).unlink()
    parsed = message_from_bytes(mail._build_message(row, world.settings).as_bytes(), policy=policy.default)
    assert [part for part in parsed.walk() if part.get_content_type().startswith("image/")] == []
    body = parsed.get_body(preferencelist=("html",)).get_content()
    assert "cid:" not in body and "<img" not in body
    assert 'font-weight:bold">Kantoor Van Dam &amp; Zn</div>' in body


def test_a_malformed_stored_colour_does_not_stop_mail(db, world):  # noqa: F811
    db.add(OfficeSetting(key="brand_colour", value="red;background:url(x)"))
    db.flush()
    office_settings.invalidate()
    row = queue(db)
    assert "background:#1f3a5f" in row.body_html and "url(x)" not in row.body_html
