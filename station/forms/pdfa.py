"""PDF/A-3b identification for the records reportlab writes (reportlab has no PDF/A mode).

What PDF/A-3b (ISO 19005-3, level B) asks of these files and where it is met:
  - XMP metadata in the catalog (/Metadata, uncompressed) with pdfaid:part=3,
    pdfaid:conformance=B, and the same title, author, subject, keywords, tools and dates as the
    document information dictionary (this module; pyHanko keeps both in step when it signs);
  - an output intent (/OutputIntents, GTS_PDFA1) with an sRGB ICC profile, since the pages
    paint in DeviceRGB (this module);
  - every font embedded: the form font is a TrueType subset (station.forms.fonts), the signature
    appearances' font an OpenType subset (signing.stampfont);
  - embedded files (part 3 allows any) carry /AFRelationship and are listed in the catalog's
    /AF (signing.pades attaches them with pyHanko's embed_file, which does both);
  - a file identifier in the trailer (reportlab writes /ID);
  - an end-of-line marker before every `endstream` keyword (ISO 19005-2, 6.1.7.1): reportlab
    writes none, so `_stream_format_with_eol` adds it to every stream reportlab writes in
    this process (the /Length stays the data's length; a valid change for any PDF).
"""
from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

# Debian's icc-profiles-free ships the ICC v2 sRGB profile; elsewhere (the frozen bundle on
# Windows) Pillow's littleCMS builds an sRGB profile (ICC v4), which PDF/A-2 and -3 accept too.
SYSTEM_SRGB = Path("/usr/share/color/icc/sRGB.icc")
OUTPUT_CONDITION = "sRGB IEC61966-2.1"


@functools.cache
def srgb_icc() -> bytes:
    if SYSTEM_SRGB.is_file():
        return SYSTEM_SRGB.read_bytes()
    from PIL import ImageCms

    return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def _xmp_date(value: datetime) -> str:
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    offset = value.utcoffset()
    if offset is None:
        return text
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{text}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def xmp_packet(*, title: str, author: str, subject: str, keywords: str, creator: str,
               producer: str, created: datetime, lang: str = "zh-CN") -> str:
    """The XMP metadata packet: PDF/A-3b identification plus the document information."""
    date = _xmp_date(created)

    def e(text: str) -> str:
        return escape(text)

    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdfaid:part>3</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{e(title)}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{e(author)}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{e(subject)}</rdf:li></rdf:Alt></dc:description>
   <dc:language><rdf:Bag><rdf:li>{e(lang)}</rdf:li></rdf:Bag></dc:language>
   <pdf:Keywords>{e(keywords)}</pdf:Keywords>
   <pdf:Producer>{e(producer)}</pdf:Producer>
   <xmp:CreatorTool>{e(creator)}</xmp:CreatorTool>
   <xmp:CreateDate>{date}</xmp:CreateDate>
   <xmp:ModifyDate>{date}</xmp:ModifyDate>
   <xmp:MetadataDate>{date}</xmp:MetadataDate>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


def install_stream_eol() -> None:
    """Every stream reportlab writes in this process ends with an EOL before `endstream` (PDF/A); installed
    before the first document the station renders, so a document's bytes never depend on what was rendered
    before it in the same process."""
    from reportlab.pdfbase import pdfdoc

    original = pdfdoc.PDFStream.format
    if getattr(original, "_adds_eol", False):
        return

    def format_with_eol(self: Any, document: Any) -> bytes:
        out: bytes = original(self, document)
        if out.endswith(b"endstream\n"):  # data that ends in a newline still needs its own EOL
            out = out[:-len(b"endstream\n")] + b"\nendstream\n"
        return out

    format_with_eol._adds_eol = True  # type: ignore[attr-defined]
    pdfdoc.PDFStream.format = format_with_eol  # type: ignore[method-assign]


def _metadata_stream(packet: bytes) -> Any:
    """The XMP stream, never filtered (PDF/A: metadata must be readable without decoding)."""
    from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFName, PDFObject

    class MetadataStream(PDFObject):
        __RefOnly__ = 1

        def format(self, document: Any) -> bytes:
            from reportlab.pdfbase.pdfdoc import format as pdf_format

            head = PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML"),
                                  "Length": len(packet)})
            return bytes(pdf_format(head, document)) + b"\nstream\n" + packet + b"\nendstream\n"

    return MetadataStream()


def install_pdfa(canv: Any, *, title: str, author: str, subject: str, keywords: str,
                 creator: str, producer: str, created: datetime) -> None:
    """Put the XMP metadata and the sRGB output intent into a reportlab canvas's catalog."""
    from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream, PDFString

    doc = canv._doc
    packet = xmp_packet(title=title, author=author, subject=subject, keywords=keywords,
                        creator=creator, producer=producer, created=created)
    install_stream_eol()
    metadata = _metadata_stream(packet.encode("utf-8"))
    icc = PDFStream(PDFDictionary({"N": 3}), srgb_icc())
    intent = PDFDictionary({
        "Type": PDFName("OutputIntent"), "S": PDFName("GTS_PDFA1"),
        "OutputConditionIdentifier": PDFString(OUTPUT_CONDITION),
        "Info": PDFString(OUTPUT_CONDITION),
        "DestOutputProfile": doc.Reference(icc),
    })
    catalog = doc.Catalog
    catalog.Metadata = metadata
    catalog.OutputIntents = PDFArray([intent])
    if "OutputIntents" not in catalog.__NoDefault__:
        # an instance attribute: reportlab's catalog writes the keys listed here
        catalog.__NoDefault__ = [*catalog.__NoDefault__, "OutputIntents"]
