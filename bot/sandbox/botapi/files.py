"""Files: uploads (multipart, ``attach://``), file ids and URLs, photo checks (size, dimensions),
``sendPhoto``, ``sendDocument``, ``sendMediaGroup``, ``getFile``."""

from __future__ import annotations

import hashlib
import re
import struct
from typing import Any

from bot.sandbox.spec import ApiError, UploadedFile
from bot.sandbox.state import EmuFile

PHOTO_MAX = 10 * 1024 * 1024
FILE_MAX = 50 * 1024 * 1024


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, JPEG, GIF or WebP image; None if not an image."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return struct.unpack("<HH", data[6:10])
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        if data[12:16] == b"VP8X":
            return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
        if data[12:16] == b"VP8 ":
            w, h = struct.unpack("<HH", data[26:30])
            return w & 0x3FFF, h & 0x3FFF
        return 1, 1
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                return w, h
            seg_len = struct.unpack(">H", data[i + 2 : i + 4])[0]
            i += 2 + seg_len
        return None
    return None


class FilesMixin:
    """Files, photos, documents and albums. A part of :class:`BotAPIEmulator` (its state is set in
    ``BotAPIEmulator.__init__``)."""

    def _new_file(self, kind: str, upload: UploadedFile | None = None, url: str | None = None) -> EmuFile:
        n = next(self._file_ids)
        ext = ""
        if upload is not None and "." in upload.filename:
            ext = "." + upload.filename.rsplit(".", 1)[1]
        elif kind == "photo":
            ext = ".jpg"
        folder = {"photo": "photos", "document": "documents"}.get(kind, kind + "s")
        f = EmuFile(
            file_id=f"EMU{kind[:3].upper()}{n:06d}{hashlib.sha1(str(n).encode()).hexdigest()[:20]}",
            file_unique_id=f"U{n:08d}",
            file_path=f"{folder}/file_{n}{ext}",
            kind=kind,
            filename=upload.filename if upload else None,
            content_type=upload.content_type if upload else None,
            raw_bytes=upload.data if upload else None,
            url=url,
        )
        self.files[f.file_id] = f
        return f

    def _resolve_input_file(self, value: Any, kind: str, files: dict[str, UploadedFile]) -> EmuFile:
        if isinstance(value, UploadedFile):
            upload = value
        elif isinstance(value, str) and value.startswith("attach://"):
            key = value[len("attach://") :]
            if key not in files:
                raise ApiError(f'Bad Request: file "{value}" was not uploaded', violation=True)
            upload = files[key]
        elif isinstance(value, str) and re.match(r"https?://", value):
            return self._new_file(kind, url=value)
        elif isinstance(value, str) and value in self.files:
            return self.files[value]
        else:
            raise ApiError("Bad Request: wrong file identifier/HTTP URL specified")
        if not upload.data:
            raise ApiError("Bad Request: file must be non-empty", violation=True)
        limit = PHOTO_MAX if kind == "photo" else FILE_MAX
        if len(upload.data) > limit:
            raise ApiError("Request Entity Too Large", 413, violation=True)
        f = self._new_file(kind, upload)
        if kind == "photo":
            size = image_size(upload.data)
            if size is None:
                raise ApiError(
                    "Bad Request: IMAGE_PROCESS_FAILED (photo is not a PNG/JPEG/GIF/WebP image)",
                    violation=True,
                )
            w, h = size
            if w + h > 10000 or max(w, h) > 20 * max(1, min(w, h)):
                raise ApiError("Bad Request: PHOTO_INVALID_DIMENSIONS", violation=True)
            f.width, f.height = w, h
        return f

    @staticmethod
    def _media_fields(f: EmuFile) -> dict[str, Any]:
        if f.kind == "photo":
            w, h = f.width or 100, f.height or 100
            size = {"file_id": f.file_id, "file_unique_id": f.file_unique_id, "width": w, "height": h}
            if f.size is not None:
                size["file_size"] = f.size
            return {"photo": [size]}
        doc: dict[str, Any] = {"file_id": f.file_id, "file_unique_id": f.file_unique_id}
        if f.filename:
            doc["file_name"] = f.filename
        if f.content_type:
            doc["mime_type"] = f.content_type
        if f.size is not None:
            doc["file_size"] = f.size
        return {"document": doc}

    async def _send_media(self, method: str, kind: str, params: dict, files: dict) -> dict:
        chat_id = self._resolve_chat(params["chat_id"])
        self._flood_check(method, chat_id)
        f = self._resolve_input_file(params[kind], kind, files)
        fields = self._text_fields(
            params.get("caption"), params.get("parse_mode"), params.get("caption_entities")
        )
        msg = self._new_bot_message(
            chat_id,
            method,
            params,
            reply_markup=params.get("reply_markup"),
            files=[f],
            **fields,
            **self._media_fields(f),
        )
        return msg.to_api()

    async def _api_sendphoto(self, params: dict, files: dict) -> dict:
        return await self._send_media("sendPhoto", "photo", params, files)

    async def _api_senddocument(self, params: dict, files: dict) -> dict:
        return await self._send_media("sendDocument", "document", params, files)

    async def _api_sendmediagroup(self, params: dict, files: dict) -> list[dict]:
        chat_id = self._resolve_chat(params["chat_id"])
        self._flood_check("sendMediaGroup", chat_id)
        group_id = str(10**15 + next(self._media_groups))
        prepared = []
        for item in params["media"]:
            kind = "photo" if item["type"] == "photo" else "document"
            f = self._resolve_input_file(item["media"], kind, files)
            fields = self._text_fields(
                item.get("caption"), item.get("parse_mode"), item.get("caption_entities")
            )
            prepared.append((item, f, fields))
        result = []
        for item, f, fields in prepared:
            msg = self._new_bot_message(
                chat_id,
                "sendMediaGroup",
                {**params, "media": item},
                files=[f],
                media_group_id=group_id,
                **fields,
                **self._media_fields(f),
            )
            result.append(msg.to_api())
        return result

    async def _api_getfile(self, params: dict, files: dict) -> dict:
        f = self.files.get(params["file_id"])
        if f is None:
            raise ApiError("Bad Request: invalid file_id")
        if f.size is not None and f.size > 20 * 1024 * 1024:
            raise ApiError("Bad Request: file is too big")
        return f.file_api()
