"""The office's logo: checked, cleaned and stored for the portal, mails and PDFs.

`store_logo` (admin only) accepts a PNG or JPEG of at most `MAX_INPUT_BYTES`.
The extension and the magic bytes must agree (`uploads.check_content`), and
Pillow must decode it. The pixel size is read from the header and checked
before anything is decoded (decompression bombs), then the image is decoded,
turned upright (EXIF orientation), scaled down to fit `MAX_WIDTH` x
`MAX_HEIGHT` and written as a fresh PNG without any metadata: whatever else
the upload carried (a polyglot's HTML or script, EXIF, text chunks, ICC
profile) is not copied.

The file is written atomically (temp file, fsync, rename, fsync of the
folder) to `DATA_DIR/branding/logo-<16 random hex>.png`; the reference to it
is an office setting ("logo"), changed through `office_settings.update`, which
validates and audits it. Old logo files are kept: mails still in the outbox
name the logo they were rendered with.

Plain Python, no Reflex import.
"""

from __future__ import annotations

import json
import os
import secrets
import warnings
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageOps
from sqlmodel import Session

from portal_app.accounts.models import Account
from portal_app.core.services.staff_access import require_staff
from portal_app.documents.services.storage import fsync_dir
from portal_app.documents.services.uploads import HEAD_BYTES, UploadRefused, check_content, extension_of
from portal_app.office.services import office_settings
from portal_app.office.services.office_settings import LOGO_FILE, OfficeProfile
from portal_app.settings import Settings, get_settings

MAX_INPUT_MB = 2
MAX_INPUT_BYTES = MAX_INPUT_MB * 1024 * 1024
# The stored logo fits in this box (the header shows it at ~40 px, mails at 48 px).
MAX_WIDTH = 600
MAX_HEIGHT = 200
# What we are willing to decode at all: a logo has no business being larger.
MAX_SOURCE_SIDE = 8000
MAX_SOURCE_PIXELS = 16_000_000
# The stored file is small (600 x 200 PNG); a file far larger was not written by us.
MAX_STORED_BYTES = 4 * 1024 * 1024
# extension -> the Pillow formats it may open as (Pillow names some camera JPEGs "MPO")
ALLOWED_EXTENSIONS = {"png": ("PNG",), "jpg": ("JPEG", "MPO"), "jpeg": ("JPEG", "MPO")}
FOLDER = "branding"


def branding_dir(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).data_dir / FOLDER


def path_for(settings: Settings | None, file_name: str) -> Path | None:
    """DATA_DIR/branding/<file_name> when the name is a logo name and the file exists."""
    if not isinstance(file_name, str) or not LOGO_FILE.fullmatch(file_name):
        return None
    path = branding_dir(settings) / file_name
    try:
        if path.is_symlink() or not path.is_file():
            return None
    except OSError:
        return None
    return path


def logo_path(settings: Settings | None, profile: OfficeProfile) -> Path | None:
    """The current logo file, or None when there is none (or it has gone missing)."""
    if not profile.logo_file:
        return None
    return path_for(settings, profile.logo_file)


def read_logo(path: Path) -> bytes | None:
    """The bytes of a stored logo file, or None when it cannot be read or is implausibly large."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_STORED_BYTES + 1)
    except OSError:
        return None
    if not data or len(data) > MAX_STORED_BYTES or not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    return data


# --------------------------------------------------------------------------
# cleaning
# --------------------------------------------------------------------------


def _open_checked(data: bytes, formats: tuple[str, ...]) -> Image.Image:
    """The lazily opened image after the header checks (nothing decoded yet)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(data), formats=["PNG", "JPEG"])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRefused("branding.dimensions", max_side=MAX_SOURCE_SIDE) from None
    except Exception:  # UnidentifiedImageError, SyntaxError, struct.error, ... from a broken header
        raise UploadRefused("branding.unreadable") from None
    if image.format not in formats:
        image.close()
        raise UploadRefused("branding.content_mismatch")
    width, height = image.size
    if (
        width < 1
        or height < 1
        or width > MAX_SOURCE_SIDE
        or height > MAX_SOURCE_SIDE
        or width * height > MAX_SOURCE_PIXELS
    ):
        image.close()
        raise UploadRefused("branding.dimensions", max_side=MAX_SOURCE_SIDE)
    return image


def clean_logo(filename: str, data: bytes) -> bytes:
    """A fresh PNG (within MAX_WIDTH x MAX_HEIGHT, no metadata) from an uploaded logo, or UploadRefused."""
    if not isinstance(filename, str) or not isinstance(data, (bytes, bytearray, memoryview)):
        raise UploadRefused("branding.type_not_allowed")
    data = bytes(data)
    if not data:
        raise UploadRefused("branding.empty")
    if len(data) > MAX_INPUT_BYTES:
        raise UploadRefused("branding.too_large", max_mb=MAX_INPUT_MB)
    formats = ALLOWED_EXTENSIONS.get(extension_of(filename))
    if formats is None:
        raise UploadRefused("branding.type_not_allowed")
    try:
        check_content(filename, data[:HEAD_BYTES])
    except UploadRefused:
        raise UploadRefused("branding.content_mismatch") from None

    image = _open_checked(data, formats)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()  # decodes fully: truncated or corrupt data fails here
            image = ImageOps.exif_transpose(image) or image
            has_alpha = (
                image.mode in ("RGBA", "LA", "PA")
                or (image.mode == "P" and "transparency" in image.info)
                or (image.mode in ("RGB", "L") and "transparency" in image.info)
            )
            image = image.convert("RGBA" if has_alpha else "RGB")
            image.thumbnail((MAX_WIDTH, MAX_HEIGHT), Image.Resampling.LANCZOS)
            # A new image holds only the pixels: no info dict, EXIF, ICC profile or text chunks.
            clean = Image.frombytes(image.mode, image.size, image.tobytes())
            out = BytesIO()
            clean.save(out, format="PNG", optimize=True)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRefused("branding.dimensions", max_side=MAX_SOURCE_SIDE) from None
    except Exception:  # OSError (truncated), SyntaxError, ValueError, MemoryError, ... : not a usable image
        raise UploadRefused("branding.unreadable") from None
    finally:
        image.close()
    return out.getvalue()


# --------------------------------------------------------------------------
# storing
# --------------------------------------------------------------------------


def _write_atomically(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    tmp = folder / f".{name}.{secrets.token_hex(6)}.tmp"
    try:
        with open(tmp, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(folder)
    return target


def store_logo(
    *, session: Session, actor: Account, filename: str, data: bytes, settings: Settings | None = None
) -> OfficeProfile:
    """Check, clean and store a new office logo (admin only); returns the new profile. Does not commit."""
    fresh = require_staff(session, actor, admin=True)
    settings = settings or get_settings()
    png = clean_logo(filename, data)
    name = f"logo-{secrets.token_hex(8)}.png"
    path = _write_atomically(branding_dir(settings), name, png)
    reference = json.dumps({"file": name, "version": secrets.token_hex(6)})
    try:
        office_settings.update(session, {"logo": reference}, actor_id=fresh.id)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return office_settings.profile(session)


def remove_logo(*, session: Session, actor: Account) -> OfficeProfile:
    """Stop showing a logo (admin only). The file stays: queued mails may still use it. Does not commit."""
    fresh = require_staff(session, actor, admin=True)
    office_settings.update(session, {"logo": ""}, actor_id=fresh.id)
    return office_settings.profile(session)
