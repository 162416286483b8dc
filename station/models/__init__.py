"""ORM models of the station (SQLAlchemy 2, typed); every table Alembic migrates is imported here."""
from station.models.base import Base, UTCDateTime
from station.models.archive import ArchiveCounter, ArchiveItem, ArchiveJob  # noqa: F401  (archive tables)
from station.models.operations import (  # noqa: F401
    Appointment,
    LotReceipt,
    QueueTicket,
    RegionalCheck,
    RegionalUpload,
)
from station.models.core import (AdverseReaction, AuditEntry, AuditHead, Collection, ConsumableLot, Deferral,
                                 DeferralKind, DeviceMessage, DinSequence, Donation, DonationCheck,
                                 DonationHistory, DonationStep, DonationType, Donor, EligibilityDecision,
                                 EligibilityOverride, Equipment, Examination, PreDonationTest,
                                 QuestionnaireAnswer, Role, SignedRecord, Site, Station, User, UserRole)

__all__ = ["AdverseReaction", "AuditEntry", "AuditHead", "Base", "Collection", "ConsumableLot", "Deferral",
           "DeferralKind", "DeviceMessage", "DinSequence", "Donation", "DonationCheck", "DonationHistory",
           "DonationStep", "DonationType", "Donor", "EligibilityDecision", "EligibilityOverride", "Equipment",
           "Examination", "PreDonationTest", "QuestionnaireAnswer", "Role", "SignedRecord", "Site", "Station",
           "User", "UserRole", "UTCDateTime"]
