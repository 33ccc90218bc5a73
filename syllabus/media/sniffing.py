"""What a file is, judged from its first bytes only: never its name or the request's headers.

An `.exe` renamed `.mp4` is still a program; a PNG renamed `.pdf` is still a
picture. Each purpose accepts a short list of kinds, and programs pass for
none of them.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Protocol

from syllabus.media.errors import UnsupportedMedia

# Enough for every signature below, and for a fair guess that a file is text.
SNIFF_BYTES = 4096

VIDEO, IMAGE, DOCUMENT, ARCHIVE, AUDIO, TEXT, PROGRAM = (
    "video",
    "image",
    "document",
    "archive",
    "audio",
    "text",
    "program",
)
# Recognised so a refusal can name it, accepted by no purpose (WAV audio).
UNLISTED = "unlisted"


class Readable(Protocol):
    """Anything with a binary `read`: an upload, a storage object, a chain of chunks."""

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class Sniffed:
    """A recognised kind of file: its content type, its family and a name for messages."""

    content_type: str
    family: str
    label: str


# Per purpose: the families accepted, the content types accepted (None: any of the
# families), and the words that tell an uploader what to send instead.
_ACCEPTS: dict[str, tuple[frozenset[str], frozenset[str] | None, str]] = {
    "lesson_video": (
        frozenset({VIDEO}),
        None,
        "Lesson videos must be MP4, MOV, M4V, WebM, MKV, AVI or MPEG-TS files.",
    ),
    "promo_video": (
        frozenset({VIDEO}),
        None,
        "Promo videos must be MP4, MOV, M4V, WebM, MKV, AVI or MPEG-TS files.",
    ),
    "thumbnail": (
        frozenset({IMAGE}),
        frozenset({"image/jpeg", "image/png", "image/webp"}),
        "Thumbnails must be JPEG, PNG or WEBP images.",
    ),
    "attachment": (
        frozenset({DOCUMENT, ARCHIVE, IMAGE, AUDIO, TEXT}),
        None,
        "Attachments must be PDF, ZIP (also DOCX, XLSX, PPTX, EPUB), JPEG, PNG, WEBP, GIF, "
        "MP3 or plain text (TXT, CSV, Markdown) files.",
    ),
}

_MP4_BRANDS_AUDIO = (b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B ")
_MP4_BRANDS_IMAGE = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"mif1", b"msf1", b"avif")
# Old QuickTime files may open with one of these atoms instead of `ftyp`.
_QUICKTIME_ATOMS = (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")
_MACHO = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")


def sniff(head: bytes) -> Sniffed | None:
    """The kind of file that starts with `head`, or None when it is none we know."""
    return (
        _program(head)
        or _video(head)
        or _image(head)
        or _document(head)
        or _audio(head)
        or _text(head)
    )


def accepted_type(purpose: str, head: bytes) -> str:
    """The content type to store for a file of this purpose, or 415 naming what is accepted."""
    families, types, accepted = _ACCEPTS[purpose]
    found = sniff(head)
    if (
        found is not None
        and found.family in families
        and (types is None or found.content_type in types)
    ):
        return found.content_type
    if found is None:
        raise UnsupportedMedia(f"This kind of file is not accepted. {accepted}")
    raise UnsupportedMedia(
        f"The file's contents are {found.label}, whatever its name says. {accepted}"
    )


def read_head(stream: Readable, size: int = SNIFF_BYTES) -> bytes:
    """Up to `size` bytes from the start of the stream (a read may return fewer)."""
    head = bytearray()
    while len(head) < size:
        chunk = stream.read(size - len(head))
        if not chunk:
            break
        head += chunk
    return bytes(head)


class PrefixedStream:
    """A stream whose first bytes were already read: gives them back, then the rest."""

    def __init__(self, head: bytes, rest: Readable) -> None:
        self._head, self._rest = head, rest

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size is None or size < 0 or size >= len(self._head):
                data, self._head = self._head, b""
            else:
                data, self._head = self._head[:size], self._head[size:]
            return data
        return self._rest.read(size)


# ------------------------------------------------------------------ signatures


def _program(head: bytes) -> Sniffed | None:
    if head.startswith(b"MZ"):
        return Sniffed("application/x-msdownload", PROGRAM, "a Windows program")
    if head.startswith(b"\x7fELF"):
        return Sniffed("application/x-executable", PROGRAM, "a Linux program")
    if head.startswith(_MACHO) or head.startswith(b"\xca\xfe\xba\xbe"):
        return Sniffed("application/x-mach-binary", PROGRAM, "a macOS program")
    if head.startswith(b"#!"):
        return Sniffed("text/x-script", PROGRAM, "a script")
    return None


def _video(head: bytes) -> Sniffed | None:
    box = head[4:8]
    if box == b"ftyp":
        brand = head[8:12]
        if brand in _MP4_BRANDS_AUDIO:
            return Sniffed("audio/mp4", AUDIO, "MPEG-4 audio")
        if brand in _MP4_BRANDS_IMAGE:
            return Sniffed("image/heif", IMAGE, "a HEIF/AVIF image")
        if brand == b"qt  ":
            return Sniffed("video/quicktime", VIDEO, "a QuickTime video")
        if brand.startswith(b"M4V"):
            return Sniffed("video/x-m4v", VIDEO, "an M4V video")
        if brand.startswith(b"3g"):
            return Sniffed("video/3gpp", VIDEO, "a 3GP video")
        return Sniffed("video/mp4", VIDEO, "an MP4 video")
    if box in _QUICKTIME_ATOMS and len(head) >= 8 and int.from_bytes(head[:4], "big") >= 8:
        return Sniffed("video/quicktime", VIDEO, "a QuickTime video")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        if b"webm" in head[:64]:
            return Sniffed("video/webm", VIDEO, "a WebM video")
        return Sniffed("video/x-matroska", VIDEO, "a Matroska video")
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return Sniffed("video/x-msvideo", VIDEO, "an AVI video")
    if _is_transport_stream(head):
        return Sniffed("video/mp2t", VIDEO, "an MPEG-TS video")
    if head.startswith(b"\x00\x00\x01\xba"):
        return Sniffed("video/mpeg", VIDEO, "an MPEG video")
    return None


def _is_transport_stream(head: bytes) -> bool:
    # 188-byte packets each starting with the sync byte 0x47 (192 with a timecode: M2TS).
    for start, packet in ((0, 188), (4, 192)):
        syncs = [start + packet * n for n in range(3) if start + packet * n < len(head)]
        if len(syncs) >= 2 and all(head[i] == 0x47 for i in syncs):
            return True
    return False


def _image(head: bytes) -> Sniffed | None:
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image/jpeg", IMAGE, "a JPEG image")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image/png", IMAGE, "a PNG image")
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return Sniffed("image/webp", IMAGE, "a WEBP image")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Sniffed("image/gif", IMAGE, "a GIF image")
    return None


def _document(head: bytes) -> Sniffed | None:
    if head.startswith(b"%PDF-"):
        return Sniffed("application/pdf", DOCUMENT, "a PDF document")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(head)
    return None


def _zip_kind(head: bytes) -> Sniffed:
    # EPUB's first entry is an uncompressed `mimetype` file naming it; Office files
    # list their parts' folders in the first entries' names.
    if head[30:38] == b"mimetype" and b"application/epub+zip" in head[38:100]:
        return Sniffed("application/epub+zip", ARCHIVE, "an EPUB book")
    office = (
        (b"word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (b"xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (b"ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    )
    for folder, content_type in office:
        if folder in head:
            return Sniffed(content_type, ARCHIVE, "an Office document")
    return Sniffed("application/zip", ARCHIVE, "a ZIP archive")


def _audio(head: bytes) -> Sniffed | None:
    if head.startswith(b"ID3") or _is_mpeg_audio_frame(head):
        return Sniffed("audio/mpeg", AUDIO, "MP3 audio")
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return Sniffed("audio/wav", UNLISTED, "WAV audio")
    return None


def _is_mpeg_audio_frame(head: bytes) -> bool:
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 0b11, (head[1] >> 1) & 0b11
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 0b11
    # Layer 0 is ADTS (AAC), version 1 is reserved; 15 and 3 are invalid indexes.
    return version != 1 and layer != 0 and bitrate not in (0, 15) and rate != 3


def _text(head: bytes) -> Sniffed | None:
    if not head or b"\x00" in head:
        return None
    # Incremental: a multi-byte character cut at the end of `head` is not an error.
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        text = decoder.decode(head, final=False)
    except UnicodeDecodeError:
        return None
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > len(text) // 100:
        return None
    return Sniffed("text/plain; charset=utf-8", TEXT, "plain text")
