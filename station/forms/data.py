"""Frozen snapshots a record is rendered from (no ORM in the renderers), and what a render returns."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from station.errors import ValidationError
from station.identifiers import DIN_RE, din_barcode_data, din_check_character

Number = Decimal | int | float
Sex = Literal["male", "female", "unknown"]
Abo = Literal["A", "B", "O", "AB"]
RhD = Literal["positive", "negative"]
RecordKind = Literal["consent", "registration", "collection"]
SignerRole = Literal["donor", "physician", "nurse"]
SignatureMeaning = Literal["consent", "review", "collection"]

_FLAG_CHARS = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


# --- what a render returns ----------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureSlot:
    """An empty, labelled box on the page where the signing code creates a signature field.

    `box` is (x1, y1, x2, y2) in PDF points from the page's lower-left corner; `page` is 0-based.
    """

    field_name: str
    page: int
    box: tuple[float, float, float, float]
    role: SignerRole
    meaning: SignatureMeaning


@dataclass(frozen=True)
class RenderedRecord:
    kind: RecordKind
    pdf: bytes
    signature_slots: tuple[SignatureSlot, ...]


# --- shared parts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteInfo:
    """Per-site text printed on every form (seed 002: each centre's own names and phone numbers)."""

    site_name: str
    department: str
    station_name: str
    phones: tuple[str, ...]
    consent_doc_number: str
    registration_doc_number: str
    collection_doc_number: str
    phone_label: str = "咨询及献血后回告电话"


@dataclass(frozen=True)
class DonorInfo:
    name: str
    sex: Sex
    birth_date: date
    nation: str  # e.g. 汉族
    id_type: str  # e.g. 居民身份证
    id_number: str  # in full: these are the clinical records (lists and exports mask it)
    address: str
    phone: str
    abo: Abo | None
    rhd: RhD | None
    donor_number: str


@dataclass(frozen=True)
class DonationNumber:
    """An ISBT 128 DIN with its two flag characters; the check character is derived, never stored apart."""

    din: str
    flags: str = "00"

    def __post_init__(self) -> None:
        if not DIN_RE.match(self.din):
            raise ValidationError(f"献血条码格式错误：{self.din}", f"The DIN is malformed: {self.din}",
                                  code="INVALID_DIN", details={"din": self.din})
        if len(self.flags) != 2 or not set(self.flags) <= _FLAG_CHARS:
            raise ValidationError(f"献血条码标志字符应为2位：{self.flags}",
                                  f"The DIN flags must be two characters: {self.flags}",
                                  code="INVALID_DIN", details={"flags": self.flags})

    @property
    def check_character(self) -> str:
        return din_check_character(self.din)

    @property
    def barcode_data(self) -> str:
        """Data structure 001: `=` + DIN + flags; the check character is never in the barcode."""
        return din_barcode_data(self.din, self.flags)

    @property
    def eye_readable(self) -> str:
        """The DIN grouped as printed under the barcode: facility, year, sequence."""
        return f"{self.din[:5]} {self.din[5:7]} {self.din[7:]}"


# --- consent and health questionnaire -----------------------------------------------------------


@dataclass(frozen=True)
class QuestionAnswer:
    number: str
    text_zh: str
    answer: bool | str  # True = 是, False = 否, or free text
    disqualifying: bool  # this answer defers the donor (highlighted on the form)
    note: str = ""  # the donor's or physician's detail for a "yes"


@dataclass(frozen=True)
class ConsentRecordData:
    site: SiteInfo
    donor: DonorInfo
    donation: DonationNumber
    consent_title: str
    consent_paragraphs: tuple[str, ...]
    question_set_name: str
    question_set_version: str
    answers: tuple[QuestionAnswer, ...]
    completed_at: datetime  # questionnaire completed; also the PDF's creation date
    signed_at_note: str = "签名时间以电子签名时间戳为准"


# --- registration and examination ---------------------------------------------------------------


@dataclass(frozen=True)
class RegistrationInfo:
    registered_at: datetime
    registrar: str
    donation_type: str  # e.g. 机采血小板
    donor_category: str  # e.g. 初次献血 / 再次献血
    donation_count: int  # donations before this one
    last_donation: date | None
    last_donation_type: str = ""


@dataclass(frozen=True)
class IdCardInfo:
    name: str
    sex: Sex
    nation: str
    birth_date: date
    address: str
    id_number: str
    authority: str
    valid_from: date | None
    valid_to: date | None  # None with valid_to_text "长期"
    read_method: str  # e.g. 身份证阅读器 / 手工录入
    valid_to_text: str = ""


@dataclass(frozen=True)
class Examination:
    examined_at: datetime
    examiner: str
    weight_kg: Number
    height_cm: Number | None
    systolic_mmhg: int
    diastolic_mmhg: int
    pulse_per_min: int
    temperature_c: Number | None
    general_condition: str


@dataclass(frozen=True)
class ResultSource:
    """Where a pre-donation value came from: an analyzer message, or typed by hand with a reason."""

    kind: Literal["device", "manual"]
    device_name: str = ""
    message_id: str = ""
    manual_reason: str = ""
    entered_by: str = ""


@dataclass(frozen=True)
class LabResult:
    code: str  # HGB, HCT, PLT, MPV
    name_zh: str
    value: Number
    unit: str
    ref_low: Number | None
    ref_high: Number | None
    source: ResultSource
    measured_at: datetime | None = None
    decimals: int | None = None  # digits after the point as printed; None: as given


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    value: str
    limit: str
    passed: bool


@dataclass(frozen=True)
class Override:
    finding_code: str
    physician: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class Confirmation:
    """A reasonableness prompt the user confirmed (seed 002: values outside plausible ranges)."""

    field: str
    message: str
    value: str
    confirmed_by: str
    at: datetime


@dataclass(frozen=True)
class EligibilityDecisionInfo:
    result: Literal["eligible", "deferred"]
    decided_at: datetime
    physician: str
    rule_set_name: str
    rule_set_version: str
    findings: tuple[Finding, ...]
    overrides: tuple[Override, ...] = ()
    deferral_reason: str = ""
    deferral_until: date | None = None
    permanent_deferral: bool = False


@dataclass(frozen=True)
class RegistrationExamRecordData:
    site: SiteInfo
    donor: DonorInfo
    donation: DonationNumber
    registration: RegistrationInfo
    id_card: IdCardInfo | None
    examination: Examination
    pre_tests: tuple[LabResult, ...]
    decision: EligibilityDecisionInfo
    confirmations: tuple[Confirmation, ...] = ()


# --- collection ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MaterialLot:
    name: str  # e.g. 一次性使用血小板分离器 / ACD-A / 生理盐水
    catalogue: str
    lot: str
    expiry: date


@dataclass(frozen=True)
class SeparatorInfo:
    model: str
    serial: str


@dataclass(frozen=True)
class AlarmEntry:
    at: datetime
    code: str
    text: str


@dataclass(frozen=True)
class AdverseReactionEntry:
    reaction_type: str
    grade: str
    at: datetime
    treatment: str
    recorded_by: str
    outcome: str = ""


@dataclass(frozen=True)
class CheckEntry:
    """A pre-collection, post-collection or heat-sealing check: the DIN scanned and the result."""

    stage: Literal["pre", "post", "sealing"]
    at: datetime
    scanned: str  # what the scanner read, e.g. =W00002500000100
    item: str  # what was scanned: 献血者条码 / 采血袋 / 留样管 ...
    passed: bool
    operator: str
    note: str = ""


@dataclass(frozen=True)
class CollectionRecordData:
    site: SiteInfo
    donor: DonorInfo
    donation: DonationNumber
    separator: SeparatorInfo
    procedure_type: str
    kit: MaterialLot
    anticoagulant: MaterialLot
    saline: MaterialLot
    start_time: datetime
    end_time: datetime
    run_time_min: int
    whole_blood_processed_ml: Number
    ac_used_ml: Number
    ac_to_donor_ml: Number
    platelet_volume_ml: Number
    platelet_yield_e11: Number
    plasma_volume_ml: Number
    post_platelet_count: Number | None  # x10^9/L
    post_hct: Number | None  # fraction, e.g. 0.38
    alarms: tuple[AlarmEntry, ...]
    rinseback_completed: bool
    adverse_reactions: tuple[AdverseReactionEntry, ...]
    checks: tuple[CheckEntry, ...]
    operator: str
    product_code: str = ""
    therapeutic_doses: Number | None = None
    confirmations: tuple[Confirmation, ...] = ()  # e.g. collected volume above 550 mL, confirmed


# --- bag label ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelData:
    site_name: str
    donation: DonationNumber
    abo: Abo | None
    rhd: RhD | None
    product_code: str  # ISBT 128 product code, 8 characters (e.g. E3083V00), from site configuration
    product_description: str  # e.g. 单采血小板
    collection_date: date
    expiry: datetime | None = None
