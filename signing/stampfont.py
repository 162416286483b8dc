"""A CJK TrueType font for signature appearances, cut down per appearance to the glyphs it needs.

pyHanko embeds OpenType/TrueType fonts as subsets, but parsing a full CJK font
(wqy-zenhei: ~22,000 glyphs) costs ~0.4 s per signature. Instead the source font is parsed
once per process and, for each appearance, a tiny TrueType font holding just the needed
characters is built in memory; pyHanko then embeds (and subsets) that one.
"""
from __future__ import annotations

import copy
import io
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from fontTools.fontBuilder import FontBuilder
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory

DEFAULT_CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
_ALWAYS = "0123456789-:+./ ()"


class SourceFont:
    """The parsed source font (one per path and face, shared by threads)."""

    def __init__(self, path: str, face: int = 0) -> None:
        self.path = path
        self.font = TTFont(path, fontNumber=face) if path.lower().endswith(".ttc") \
            else TTFont(path)
        self.cmap: dict[int, str] = self.font.getBestCmap()
        self.units_per_em: int = self.font["head"].unitsPerEm
        self.glyf: Any = self.font["glyf"]
        self.hmtx: Any = self.font["hmtx"]
        hhea = self.font["hhea"]
        self.ascent, self.descent = hhea.ascent, hhea.descent
        self.family = self.font["name"].getDebugName(1) or "StationCJK"
        self._lock = threading.Lock()

    def missing(self, text: str) -> set[str]:
        return {ch for ch in text if ch.isprintable() and ord(ch) not in self.cmap
                and not ch.isspace()}

    def subset_bytes(self, text: str) -> bytes:
        chars = sorted({ord(ch) for ch in text + _ALWAYS if ord(ch) in self.cmap})
        return self._build(tuple(chars))

    def _build(self, codepoints: tuple[int, ...]) -> bytes:
        with self._lock:  # fontTools decompiles glyphs lazily: not thread-safe
            names: list[str] = [".notdef"]
            cmap: dict[int, str] = {}
            for cp in codepoints:
                name = self.cmap[cp]
                cmap[cp] = name
                self._add_with_components(name, names)
            glyphs = {n: copy.deepcopy(self.glyf[n]) for n in names}
            metrics = {n: tuple(self.hmtx[n]) for n in names}
        builder = FontBuilder(self.units_per_em, isTTF=True)
        builder.setupGlyphOrder(names)
        builder.setupCharacterMap(cmap)
        builder.setupGlyf(glyphs)
        builder.setupHorizontalMetrics(metrics)
        builder.setupHorizontalHeader(ascent=self.ascent, descent=self.descent)
        builder.setupNameTable({"familyName": self.family, "styleName": "Regular",
                                "psName": "StationCJKStamp"})
        builder.setupOS2(sTypoAscender=self.ascent, sTypoDescender=self.descent,
                         usWinAscent=self.ascent, usWinDescent=abs(self.descent))
        builder.setupPost()
        out = io.BytesIO()
        builder.save(out)
        return out.getvalue()

    def _add_with_components(self, name: str, names: list[str]) -> None:
        if name in names:
            return
        names.append(name)
        glyph = self.glyf[name]
        if glyph.isComposite():
            for component in glyph.getComponentNames(self.glyf):
                self._add_with_components(component, names)


@lru_cache(maxsize=4)
def source_font(path: str = DEFAULT_CJK_FONT, face: int = 0) -> SourceFont:
    return SourceFont(path, face)


@dataclass(frozen=True)
class AppearanceFontFactory(GlyphAccumulatorFactory):
    """A pyHanko font factory serving a tiny font made for one appearance's text."""

    text: str = ""
    source_path: str = DEFAULT_CJK_FONT
    face: int = 0

    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
        data = source_font(self.source_path, self.face).subset_bytes(self.text)
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(writer=writer, font_handle=io.BytesIO(data),
                                font_size=self.font_size, obj_stream=obj_stream)


def appearance_font(text: str, source_path: str = DEFAULT_CJK_FONT, face: int = 0,
                    font_size: int = 7) -> AppearanceFontFactory:
    return AppearanceFontFactory(font_file=source_path, font_size=font_size, text=text,
                                 source_path=source_path, face=face)
