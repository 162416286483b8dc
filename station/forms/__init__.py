"""The donation's signed records (consent, registration/examination, collection) and the bag label, as PDF."""
from station.forms.collection import NURSE_SIGNATURE_FIELD, render_collection
from station.forms.consent import DONOR_SIGNATURE_FIELD, render_consent
from station.forms.data import RenderedRecord, SignatureSlot
from station.forms.fonts import DEFAULT_CJK_FONT, FontUnavailable, register_cjk_font
from station.forms.label import render_label
from station.forms.layout import FormRenderError
from station.forms.registration import PHYSICIAN_SIGNATURE_FIELD, render_registration_exam

__all__ = [
    "DEFAULT_CJK_FONT",
    "DONOR_SIGNATURE_FIELD",
    "NURSE_SIGNATURE_FIELD",
    "PHYSICIAN_SIGNATURE_FIELD",
    "FontUnavailable",
    "FormRenderError",
    "RenderedRecord",
    "SignatureSlot",
    "register_cjk_font",
    "render_collection",
    "render_consent",
    "render_label",
    "render_registration_exam",
]
