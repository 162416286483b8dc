"""The CJK TrueType font every form and label is drawn in, registered with reportlab for subset embedding."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from station.errors import StationError

# Debian's fonts-wqy-zenhei: TrueType outlines (reportlab rejects CFF-outline OpenType such as
# Noto Sans CJK OTF) with Latin, digits and CJK in one face, so no Latin font is ever needed.
DEFAULT_CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


class FontUnavailable(StationError):
    """The configured form font cannot be used; records must not be rendered without it."""

    code = "FONT_UNAVAILABLE"


@dataclass(frozen=True)
class FormFont:
    """A registered font: `name` is what reportlab styles and canvases refer to."""

    name: str
    path: str
    subfont_index: int


_registered: dict[tuple[str, int], FormFont] = {}


def register_cjk_font(path: str | Path | None = None, subfont_index: int = 0) -> FormFont:
    """Register the TrueType CJK font at `path` (default wqy-zenhei) once; reportlab embeds it as a subset.

    The registered name is derived from the path and index so that two sites' fonts never collide
    and the same font always gets the same name (the PDF bytes depend on it).
    """
    from station.forms.pdfa import install_stream_eol

    install_stream_eol()  # every station PDF is written the same way, whatever was rendered before it
    font_path = str(path) if path else DEFAULT_CJK_FONT
    key = (font_path, subfont_index)
    if key in _registered:
        return _registered[key]
    if not Path(font_path).is_file():
        raise FontUnavailable(
            f"表单字体文件不存在：{font_path}（请安装 fonts-wqy-zenhei，或在配置 records.font_path 中指定"
            "一个TrueType中文字体）",
            f"The form font file does not exist: {font_path} (install fonts-wqy-zenhei, or set "
            "records.font_path to a TrueType CJK font)",
            details={"font_path": font_path})
    digest = hashlib.sha256(f"{font_path}#{subfont_index}".encode()).hexdigest()[:8]
    name = f"StationCJK-{digest}"
    try:
        ttf = TTFont(name, font_path, subfontIndex=subfont_index)
    except (TTFError, OSError, ValueError, IndexError) as exc:
        raise FontUnavailable(
            f"无法使用表单字体 {font_path}（第{subfont_index}个字体）：{exc}。需要TrueType轮廓的中文字体"
            "（.ttf/.ttc），不支持CFF轮廓的OpenType字体",
            f"Cannot use the form font {font_path} (subfont {subfont_index}): {exc}. A TrueType-outline "
            "CJK font (.ttf/.ttc) is required; CFF-outline OpenType fonts are not supported",
            details={"font_path": font_path, "subfont_index": subfont_index}) from exc
    pdfmetrics.registerFont(ttf)
    # The font has no bold or italic face: map every variant to the regular one so that
    # <b> in a paragraph never makes reportlab fall back to a built-in (unembedded) font.
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(name, bold, italic, name)
    font = FormFont(name=name, path=font_path, subfont_index=subfont_index)
    _registered[key] = font
    return font
