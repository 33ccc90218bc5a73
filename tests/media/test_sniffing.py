"""The type of an upload is read from its first bytes: names and headers never count."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from syllabus.media.errors import UnsupportedMedia
from syllabus.media.sniffing import PrefixedStream, accepted_type, read_head, sniff
from syllabus.media.uploads import clean_filename
from tests.media.clips import make_clip


def _picture(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 200)).save(out, format=fmt)
    return out.getvalue()


def _ts_packets(count: int = 3) -> bytes:
    return b"".join(b"\x47" + bytes(187) for _ in range(count))


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("sniff")
    return {
        container: make_clip(
            folder / f"clip.{container}", seconds=1.0, width=320, height=180, container=container
        ).read_bytes()[:4096]
        for container in ("mp4", "webm")
    }


def test_real_clips_are_videos_for_both_video_purposes(clips: dict[str, bytes]) -> None:
    assert accepted_type("lesson_video", clips["mp4"]) == "video/mp4"
    assert accepted_type("promo_video", clips["webm"]) == "video/webm"


@pytest.mark.parametrize(
    ("head", "content_type"),
    [
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ", "video/quicktime"),
        (b"\x00\x00\x00\x1cftypM4V \x00\x00\x00\x01M4V M4A mp42isom", "video/x-m4v"),
        (b"\x1a\x45\xdf\xa3\x93\x42\x82\x88matroska", "video/x-matroska"),
        (b"RIFF\x24\x00\x00\x00AVI LIST", "video/x-msvideo"),
        (_ts_packets(), "video/mp2t"),
    ],
)
def test_other_video_containers_are_recognised(head: bytes, content_type: str) -> None:
    assert accepted_type("lesson_video", head) == content_type


@pytest.mark.parametrize(
    ("head", "program"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00" + bytes(64), "a Windows program"),
        (b"\x7fELF\x02\x01\x01" + bytes(64), "a Linux program"),
        (b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + bytes(64), "a macOS program"),
        (b"#!/bin/sh\nrm -rf ~\n", "a script"),
    ],
)
@pytest.mark.parametrize("purpose", ["lesson_video", "promo_video", "thumbnail", "attachment"])
def test_programs_pass_for_no_purpose(head: bytes, program: str, purpose: str) -> None:
    with pytest.raises(UnsupportedMedia) as refused:
        accepted_type(purpose, head)
    assert refused.value.status == 415
    assert refused.value.code == "unsupported_media_type"
    assert program in refused.value.message


def test_an_exe_renamed_mp4_is_refused_with_what_is_accepted() -> None:
    with pytest.raises(UnsupportedMedia) as refused:
        accepted_type("lesson_video", b"MZ" + bytes(200))
    message = refused.value.message
    assert "Windows program" in message
    assert "MP4" in message
    assert "WebM" in message


def test_thumbnails_take_jpeg_png_and_webp_only() -> None:
    assert accepted_type("thumbnail", _picture("JPEG")) == "image/jpeg"
    assert accepted_type("thumbnail", _picture("PNG")) == "image/png"
    assert accepted_type("thumbnail", _picture("WEBP")) == "image/webp"
    for refused_head in (_picture("GIF"), b"%PDF-1.7\n", b"just some words\n"):
        with pytest.raises(UnsupportedMedia, match="JPEG, PNG or WEBP"):
            accepted_type("thumbnail", refused_head)


def test_attachments_take_documents_archives_pictures_audio_and_text() -> None:
    docx = b"PK\x03\x04" + bytes(26) + b"[Content_Types].xml" + b"word/document.xml"
    epub = b"PK\x03\x04" + bytes(26) + b"mimetypeapplication/epub+zip"
    accepted = {
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n": "application/pdf",
        b"PK\x03\x04\x14\x00\x00\x00" + bytes(30): "application/zip",
        docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        epub: "application/epub+zip",
        _picture("GIF"): "image/gif",
        _picture("PNG"): "image/png",
        b"ID3\x04\x00\x00\x00\x00\x00\x00": "audio/mpeg",
        b"\xff\xfb\x90\x64" + bytes(60): "audio/mpeg",
        "name,score\nAda,10\nBjörk,9\n".encode(): "text/plain; charset=utf-8",
        b"# Notes\n\n- one\n- two\n": "text/plain; charset=utf-8",
    }
    for head, content_type in accepted.items():
        assert accepted_type("attachment", head) == content_type, head[:12]


def test_a_video_is_not_an_attachment_and_a_pdf_is_not_a_video() -> None:
    with pytest.raises(UnsupportedMedia, match="an MP4 video"):
        accepted_type("attachment", b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2")
    with pytest.raises(UnsupportedMedia, match="a PDF document"):
        accepted_type("lesson_video", b"%PDF-1.7\n")


def test_text_is_utf8_without_nul_bytes() -> None:
    # A multi-byte character cut by the end of the sniffed head is still text.
    cut = "é".encode() * 10
    assert sniff(cut[:-1]) is not None
    assert sniff(b"plain\x00text") is None
    assert sniff("caf\xe9 au lait".encode("latin-1")) is None
    assert sniff(b"") is None


def test_the_sniffed_head_is_given_back_before_the_rest() -> None:
    source = io.BytesIO(b"0123456789" * 1000)
    head = read_head(source, 16)
    assert head == b"0123456789012345"
    whole = PrefixedStream(head, source)
    assert whole.read(4) == b"0123"
    assert whole.read() + source.read() == (b"0123456789" * 1000)[4:]


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("/var/www/x.mp4", "x.mp4"),
        ("lecture\x00\r\n.mp4", "lecture.mp4"),
        ("photo\u202egpj.exe", "photogpj.exe"),
        ("  ..  ", "file"),
        ("", "file"),
        ("../", "file"),
    ],
)
def test_file_names_lose_folders_and_control_characters(given: str, shown: str) -> None:
    assert clean_filename(given) == shown


def test_long_file_names_are_cut_keeping_the_extension() -> None:
    cleaned = clean_filename("a" * 400 + ".pdf")
    assert len(cleaned) == 255
    assert cleaned.endswith(".pdf")
