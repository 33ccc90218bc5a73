"""Media refusals with the stable codes of API.md."""

from __future__ import annotations

from syllabus.kit.errors import AppError, Conflict, InvalidInput, NotFound


class MediaNotFound(NotFound):
    code = "media_not_found"
    title = "Media not found"


class UploadNotFound(NotFound):
    code = "upload_not_found"
    title = "Upload not found"


class MediaNotReady(Conflict):
    code = "media_not_ready"
    title = "Media not ready"


class UnsupportedMedia(AppError):
    """The bytes are not a kind of file this purpose accepts (whatever the name says)."""

    code = "unsupported_media_type"
    status = 415
    title = "Unsupported media type"


class EmptyFile(InvalidInput):
    code = "empty_file"
    title = "Empty file"


class WrongPurpose(Conflict):
    code = "wrong_media_purpose"
    title = "Wrong kind of media"


class OffsetMismatch(Conflict):
    """The chunk does not start where the upload stands; the client asks and resumes."""

    code = "offset_mismatch"
    title = "Upload offset mismatch"


class UploadClosed(Conflict):
    code = "upload_closed"
    title = "Upload closed"
