<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en_US">
<context>
    <name>ArchiveBrowser</name>
    <message>
        <source>Archive number, DIN, name or ID number</source>
        <translation>Archive number, DIN, name or ID number</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>Search</translation>
    </message>
    <message>
        <source>Verification report</source>
        <translation>Verification report</translation>
    </message>
    <message>
        <source>Archive number</source>
        <translation>Archive number</translation>
    </message>
    <message>
        <source>DIN</source>
        <translation>DIN</translation>
    </message>
    <message>
        <source>Donor</source>
        <translation>Donor</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>Archived on</source>
        <translation>Archived on</translation>
    </message>
    <message>
        <source>Collection record</source>
        <translation>Collection record</translation>
    </message>
    <message>
        <source>Consent and health questionnaire</source>
        <translation>Consent and health questionnaire</translation>
    </message>
    <message>
        <source>Four-property check of the stored package: FAILED</source>
        <translation>Four-property check of the stored package: FAILED</translation>
    </message>
    <message>
        <source>Four-property check of the stored package: passed</source>
        <translation>Four-property check of the stored package: passed</translation>
    </message>
    <message>
        <source>Open the records (PDF)</source>
        <translation>Open the records (PDF)</translation>
    </message>
    <message>
        <source>Registration and examination form</source>
        <translation>Registration and examination form</translation>
    </message>
    <message>
        <source>SIGNATURES NOT VALID</source>
        <translation>SIGNATURES NOT VALID</translation>
    </message>
    <message>
        <source>signatures valid</source>
        <translation>signatures valid</translation>
    </message>
</context>
<context>
    <name>ArchiveRunPanel</name>
    <message>
        <source>Archive all signed records now</source>
        <translation>Archive all signed records now</translation>
    </message>
    <message>
        <source>DIN</source>
        <translation>DIN</translation>
    </message>
    <message>
        <source>Archive number</source>
        <translation>Archive number</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Result</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>Archived: %1   Failed: %2</source>
        <translation>Archived: %1   Failed: %2</translation>
    </message>
    <message>
        <source>archived</source>
        <translation>archived</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>failed</translation>
    </message>
</context>
<context>
    <name>AssessmentPanel</name>
    <message>
        <source>Decide eligibility</source>
        <translation>Decide eligibility</translation>
    </message>
    <message>
        <source>Override a failed check ...</source>
        <translation>Override a failed check ...</translation>
    </message>
    <message>
        <source>Print bag label</source>
        <translation>Print bag label</translation>
    </message>
    <message>
        <source>Rule set: %1</source>
        <translation>Rule set: %1</translation>
    </message>
    <message>
        <source>Eligible</source>
        <translation>Eligible</translation>
    </message>
    <message>
        <source>Deferred</source>
        <translation>Deferred</translation>
    </message>
    <message>
        <source>%1 check(s) fail: the donor will be deferred unless overridden.</source>
        <translation>%1 check(s) fail: the donor will be deferred unless overridden.</translation>
    </message>
</context>
<context>
    <name>DevicesPanel</name>
    <message>
        <source>Device</source>
        <translation>Device</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>Driver</source>
        <translation>Driver</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>Port</translation>
    </message>
    <message>
        <source>Protocol</source>
        <translation>Protocol</translation>
    </message>
    <message>
        <source>Test connection (live events below)</source>
        <translation>Test connection (live events below)</translation>
    </message>
</context>
<context>
    <name>DonorHeader</name>
    <message>
        <source>No donor selected</source>
        <translation>No donor selected</translation>
    </message>
    <message>
        <source>male</source>
        <translation>male</translation>
    </message>
    <message>
        <source>female</source>
        <translation>female</translation>
    </message>
</context>
<context>
    <name>DonorPanel</name>
    <message>
        <source>Donation history</source>
        <translation>Donation history</translation>
    </message>
    <message>
        <source>Next eligible date</source>
        <translation>Next eligible date</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>Volume (mL)</source>
        <translation>Volume (mL)</translation>
    </message>
    <message>
        <source>Interval (days)</source>
        <translation>Interval (days)</translation>
    </message>
    <message>
        <source>Place</source>
        <translation>Place</translation>
    </message>
    <message>
        <source>Place the donor's ID card on the reader, or search or enter the donor by hand.</source>
        <translation>Place the donor's ID card on the reader, or search or enter the donor by hand.</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>Photo</translation>
    </message>
    <message>
        <source>Card photo stored (no decoder on this station)</source>
        <translation>Card photo stored (no decoder on this station)</translation>
    </message>
    <message>
        <source>No photo</source>
        <translation>No photo</translation>
    </message>
    <message>
        <source>male</source>
        <translation>male</translation>
    </message>
    <message>
        <source>female</source>
        <translation>female</translation>
    </message>
    <message>
        <source>new donor</source>
        <translation>new donor</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>Date of birth</translation>
    </message>
    <message>
        <source>Blood group</source>
        <translation>Blood group</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>Rule set</source>
        <translation>Rule set</translation>
    </message>
    <message>
        <source>Latest donation</source>
        <translation>Latest donation</translation>
    </message>
    <message>
        <source>PERMANENTLY DEFERRED - do not register a donation. Reason: %1</source>
        <translation>PERMANENTLY DEFERRED - do not register a donation. Reason: %1</translation>
    </message>
    <message>
        <source>until</source>
        <translation>until</translation>
    </message>
    <message>
        <source>Deferred: %1</source>
        <translation>Deferred: %1</translation>
    </message>
    <message>
        <source>never</source>
        <translation>never</translation>
    </message>
    <message>
        <source>now</source>
        <translation>now</translation>
    </message>
</context>
<context>
    <name>EquipmentPanel</name>
    <message>
        <source>Serial</source>
        <translation>Serial</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Model</translation>
    </message>
    <message>
        <source>Calibration due</source>
        <translation>Calibration due</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Register</source>
        <translation>Register</translation>
    </message>
    <message>
        <source>Record calibration</source>
        <translation>Record calibration</translation>
    </message>
    <message>
        <source>calibrated</source>
        <translation>calibrated</translation>
    </message>
    <message>
        <source>CALIBRATION OVERDUE</source>
        <translation>CALIBRATION OVERDUE</translation>
    </message>
</context>
<context>
    <name>FiguresPanel</name>
    <message>
        <source>Loading ...</source>
        <translation>Loading ...</translation>
    </message>
    <message>
        <source>Donations</source>
        <translation>Donations</translation>
    </message>
    <message>
        <source>Record modification rate</source>
        <translation>Record modification rate</translation>
    </message>
    <message>
        <source>Missing-signature rate</source>
        <translation>Missing-signature rate</translation>
    </message>
    <message>
        <source>Check errors</source>
        <translation>Check errors</translation>
    </message>
    <message>
        <source>Period %1 to %2</source>
        <translation>Period %1 to %2</translation>
    </message>
    <message>
        <source>Deferral reasons</source>
        <translation>Deferral reasons</translation>
    </message>
    <message>
        <source>Collections per chair</source>
        <translation>Collections per chair</translation>
    </message>
    <message>
        <source>Collections per day</source>
        <translation>Collections per day</translation>
    </message>
</context>
<context>
    <name>FinishForm</name>
    <message>
        <source>Whole blood processed (mL)</source>
        <translation>Whole blood processed (mL)</translation>
    </message>
    <message>
        <source>AC used (mL)</source>
        <translation>AC used (mL)</translation>
    </message>
    <message>
        <source>AC to donor (mL)</source>
        <translation>AC to donor (mL)</translation>
    </message>
    <message>
        <source>Platelet volume (mL)</source>
        <translation>Platelet volume (mL)</translation>
    </message>
    <message>
        <source>Platelet yield (×10¹¹)</source>
        <translation>Platelet yield (×10¹¹)</translation>
    </message>
    <message>
        <source>Plasma (mL)</source>
        <translation>Plasma (mL)</translation>
    </message>
    <message>
        <source>Run time (min)</source>
        <translation>Run time (min)</translation>
    </message>
    <message>
        <source>Finish collection</source>
        <translation>Finish collection</translation>
    </message>
    <message>
        <source>Values from the separator's summary</source>
        <translation>Values from the separator's summary</translation>
    </message>
    <message>
        <source>Typed values (no separator summary received)</source>
        <translation>Typed values (no separator summary received)</translation>
    </message>
</context>
<context>
    <name>LockPage</name>
    <message>
        <source>Locked: %1</source>
        <translation>Locked: %1</translation>
    </message>
    <message>
        <source>The screen was locked after a period without use.</source>
        <translation>The screen was locked after a period without use.</translation>
    </message>
    <message>
        <source>The staff card was removed.</source>
        <translation>The staff card was removed.</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>Unlock</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>Sign out</translation>
    </message>
</context>
<context>
    <name>LoginPage</name>
    <message>
        <source>Apheresis donation station</source>
        <translation>Apheresis donation station</translation>
    </message>
    <message>
        <source>&amp;Username</source>
        <translation>&amp;Username</translation>
    </message>
    <message>
        <source>Staff card</source>
        <translation>Staff card</translation>
    </message>
    <message>
        <source>&amp;Password</source>
        <translation>&amp;Password</translation>
    </message>
    <message>
        <source>&amp;PIN</source>
        <translation>&amp;PIN</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <source>Or insert your staff card and enter its PIN.</source>
        <translation>Or insert your staff card and enter its PIN.</translation>
    </message>
    <message>
        <source>Enter your username and password.</source>
        <translation>Enter your username and password.</translation>
    </message>
</context>
<context>
    <name>LotsPanel</name>
    <message>
        <source>Apheresis kit</source>
        <translation>Apheresis kit</translation>
    </message>
    <message>
        <source>Anticoagulant</source>
        <translation>Anticoagulant</translation>
    </message>
    <message>
        <source>Saline</source>
        <translation>Saline</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>Item</translation>
    </message>
    <message>
        <source>Catalogue no.</source>
        <translation>Catalogue no.</translation>
    </message>
    <message>
        <source>Lot</source>
        <translation>Lot</translation>
    </message>
    <message>
        <source>Expiry</source>
        <translation>Expiry</translation>
    </message>
    <message>
        <source>On hand</source>
        <translation>On hand</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Receive</source>
        <translation>Receive</translation>
    </message>
    <message>
        <source>EXPIRED</source>
        <translation>EXPIRED</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Apheresis donation station</source>
        <translation>Apheresis donation station</translation>
    </message>
    <message>
        <source>DEMO - practice data only; the demo accounts' passwords and PINs are published: never enter real donors</source>
        <translation>DEMO - practice data only; the demo accounts&apos; passwords and PINs are published: never enter real donors</translation>
    </message>
    <message>
        <source>Lock screen</source>
        <translation>Lock screen</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>Sign out</translation>
    </message>
    <message>
        <source>Your account has no workspace on this station.</source>
        <translation>Your account has no workspace on this station.</translation>
    </message>
    <message>
        <source>Scan %1 received, but no entry field is selected: click the field and scan again.</source>
        <translation>Scan %1 received, but no entry field is selected: click the field and scan again.</translation>
    </message>
</context>
<context>
    <name>ManualEntryForm</name>
    <message>
        <source>&amp;ID number</source>
        <translation>&amp;ID number</translation>
    </message>
    <message>
        <source>&amp;Name</source>
        <translation>&amp;Name</translation>
    </message>
    <message>
        <source>Se&amp;x</source>
        <translation>Se&amp;x</translation>
    </message>
    <message>
        <source>Date of &amp;birth</source>
        <translation>Date of &amp;birth</translation>
    </message>
    <message>
        <source>P&amp;hone</source>
        <translation>P&amp;hone</translation>
    </message>
    <message>
        <source>A&amp;ddress</source>
        <translation>A&amp;ddress</translation>
    </message>
    <message>
        <source>ABO</source>
        <translation>ABO</translation>
    </message>
    <message>
        <source>RhD</source>
        <translation>RhD</translation>
    </message>
    <message>
        <source>male</source>
        <translation>male</translation>
    </message>
    <message>
        <source>female</source>
        <translation>female</translation>
    </message>
    <message>
        <source>&amp;Register donor</source>
        <translation>&amp;Register donor</translation>
    </message>
    <message>
        <source>Valid ID number</source>
        <translation>Valid ID number</translation>
    </message>
</context>
<context>
    <name>OverrideDialog</name>
    <message>
        <source>Override a failed check</source>
        <translation>Override a failed check</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Clear</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>Check</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>Signature</source>
        <translation>Signature</translation>
    </message>
    <message>
        <source>Give a reason of at least 4 characters.</source>
        <translation>Give a reason of at least 4 characters.</translation>
    </message>
    <message>
        <source>Sign in the box.</source>
        <translation>Sign in the box.</translation>
    </message>
</context>
<context>
    <name>PasswordChangePage</name>
    <message>
        <source>This is your first sign-in: choose your own password (at least 8 characters, letters and digits).</source>
        <translation>This is your first sign-in: choose your own password (at least 8 characters, letters and digits).</translation>
    </message>
    <message>
        <source>Current password</source>
        <translation>Current password</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>New password</translation>
    </message>
    <message>
        <source>New password again</source>
        <translation>New password again</translation>
    </message>
    <message>
        <source>Change password</source>
        <translation>Change password</translation>
    </message>
    <message>
        <source>The two new passwords differ.</source>
        <translation>The two new passwords differ.</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>Sign out</translation>
    </message>
</context>
<context>
    <name>PostCheckForm</name>
    <message>
        <source>Donor's condition good</source>
        <translation>Donor's condition good</translation>
    </message>
    <message>
        <source>Puncture site fine</source>
        <translation>Puncture site fine</translation>
    </message>
    <message>
        <source>Product appearance normal</source>
        <translation>Product appearance normal</translation>
    </message>
    <message>
        <source>Label applied</source>
        <translation>Label applied</translation>
    </message>
    <message>
        <source>Bag intact, no leak</source>
        <translation>Bag intact, no leak</translation>
    </message>
    <message>
        <source>Notes (required when an item is not ticked)</source>
        <translation>Notes (required when an item is not ticked)</translation>
    </message>
    <message>
        <source>Save post-collection check</source>
        <translation>Save post-collection check</translation>
    </message>
</context>
<context>
    <name>PreCheckForm</name>
    <message>
        <source>Donor card / wristband</source>
        <translation>Donor card / wristband</translation>
    </message>
    <message>
        <source>Bag DIN</source>
        <translation>Bag DIN</translation>
    </message>
    <message>
        <source>Separator serial</source>
        <translation>Separator serial</translation>
    </message>
    <message>
        <source>Kit lot</source>
        <translation>Kit lot</translation>
    </message>
    <message>
        <source>Anticoagulant lot</source>
        <translation>Anticoagulant lot</translation>
    </message>
    <message>
        <source>Saline lot</source>
        <translation>Saline lot</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>Check</translation>
    </message>
</context>
<context>
    <name>PretestPanel</name>
    <message>
        <source>Haemoglobin (g/L)</source>
        <translation>Haemoglobin (g/L)</translation>
    </message>
    <message>
        <source>Haematocrit (L/L)</source>
        <translation>Haematocrit (L/L)</translation>
    </message>
    <message>
        <source>Platelets (10^9/L)</source>
        <translation>Platelets (10^9/L)</translation>
    </message>
    <message>
        <source>MPV (fL)</source>
        <translation>MPV (fL)</translation>
    </message>
    <message>
        <source>Manual entry (analyzer not available)</source>
        <translation>Manual entry (analyzer not available)</translation>
    </message>
    <message>
        <source>Reason for manual entry</source>
        <translation>Reason for manual entry</translation>
    </message>
    <message>
        <source>Save results</source>
        <translation>Save results</translation>
    </message>
    <message>
        <source>Waiting for the analyzer: sample %1</source>
        <translation>Waiting for the analyzer: sample %1</translation>
    </message>
    <message>
        <source>Analyzer result filed for %1: %2</source>
        <translation>Analyzer result filed for %1: %2</translation>
    </message>
    <message>
        <source>Analyzer result for %1 not filed (%2): %3</source>
        <translation>Analyzer result for %1 not filed (%2): %3</translation>
    </message>
    <message>
        <source>Enter haemoglobin, haematocrit and platelets.</source>
        <translation>Enter haemoglobin, haematocrit and platelets.</translation>
    </message>
    <message>
        <source>Hb</source>
        <translation>Hb</translation>
    </message>
    <message>
        <source>Hct</source>
        <translation>Hct</translation>
    </message>
    <message>
        <source>MPV</source>
        <translation>MPV</translation>
    </message>
    <message>
        <source>PLT</source>
        <translation>PLT</translation>
    </message>
    <message>
        <source>Recorded results (%1): %2</source>
        <translation>Recorded results (%1): %2</translation>
    </message>
    <message>
        <source>analyzer</source>
        <translation>analyzer</translation>
    </message>
    <message>
        <source>entered by hand</source>
        <translation>entered by hand</translation>
    </message>
</context>
<context>
    <name>QueueTicket</name>
    <message>
        <source>No donation registered yet</source>
        <translation>No donation registered yet</translation>
    </message>
    <message>
        <source>The donor is reading and signing on the tablet</source>
        <translation>The donor is reading and signing on the tablet</translation>
    </message>
    <message>
        <source>Questionnaire signed: send the donor to the physician</source>
        <translation>Questionnaire signed: send the donor to the physician</translation>
    </message>
    <message>
        <source>The donor reported wrong details: check and register again</source>
        <translation>The donor reported wrong details: check and register again</translation>
    </message>
    <message>
        <source>Queue number</source>
        <translation>Queue number</translation>
    </message>
</context>
<context>
    <name>ReactionForm</name>
    <message>
        <source>Reaction</source>
        <translation>Reaction</translation>
    </message>
    <message>
        <source>Grade (1 mild - 3 severe)</source>
        <translation>Grade (1 mild - 3 severe)</translation>
    </message>
    <message>
        <source>Treatment</source>
        <translation>Treatment</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>Outcome</translation>
    </message>
    <message>
        <source>Record adverse reaction</source>
        <translation>Record adverse reaction</translation>
    </message>
    <message>
        <source>%1  %2, grade %3: %4</source>
        <translation>%1  %2, grade %3: %4</translation>
    </message>
    <message>
        <source>Adverse reaction</source>
        <translation>Adverse reaction</translation>
    </message>
    <message>
        <source>None recorded</source>
        <translation>None recorded</translation>
    </message>
    <message>
        <source>Now</source>
        <translation>Now</translation>
    </message>
    <message>
        <source>Reactions recorded for this donation</source>
        <translation>Reactions recorded for this donation</translation>
    </message>
    <message>
        <source>Record this adverse reaction?
%1, grade %2, onset %3
Treatment: %4</source>
        <translation>Record this adverse reaction?
%1, grade %2, onset %3
Treatment: %4</translation>
    </message>
    <message>
        <source>Time of onset</source>
        <translation>Time of onset</translation>
    </message>
</context>
<context>
    <name>SealingPanel</name>
    <message>
        <source>Scan the DIN on every bag and sample segment, then press Seal check.</source>
        <translation>Scan the DIN on every bag and sample segment, then press Seal check.</translation>
    </message>
    <message>
        <source>Scan here</source>
        <translation>Scan here</translation>
    </message>
    <message>
        <source>Seal check</source>
        <translation>Seal check</translation>
    </message>
    <message>
        <source>Clear scans</source>
        <translation>Clear scans</translation>
    </message>
</context>
<context>
    <name>SearchPanel</name>
    <message>
        <source>ID number, name, phone or DIN</source>
        <translation>ID number, name, phone or DIN</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>Search</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>male</source>
        <translation>male</translation>
    </message>
    <message>
        <source>female</source>
        <translation>female</translation>
    </message>
</context>
<context>
    <name>SeparatorPanel</name>
    <message>
        <source>Start collection (needle in)</source>
        <translation>Start collection (needle in)</translation>
    </message>
    <message>
        <source>Separator alarms</source>
        <translation>Separator alarms</translation>
    </message>
    <message>
        <source>No data from the separator yet.</source>
        <translation>No data from the separator yet.</translation>
    </message>
    <message>
        <source>priming</source>
        <translation>priming</translation>
    </message>
    <message>
        <source>collecting</source>
        <translation>collecting</translation>
    </message>
    <message>
        <source>rinseback</source>
        <translation>rinseback</translation>
    </message>
    <message>
        <source>ended</source>
        <translation>ended</translation>
    </message>
    <message>
        <source>Phase: %1   Time: %2 min   Processed: %3 mL   Yield: %4 ×10¹¹   AC: %5 mL</source>
        <translation>Phase: %1   Time: %2 min   Processed: %3 mL   Yield: %4 ×10¹¹   AC: %5 mL</translation>
    </message>
</context>
<context>
    <name>SignPanel</name>
    <message>
        <source>Token PIN</source>
        <translation>Token PIN</translation>
    </message>
    <message>
        <source>Sign the records</source>
        <translation>Sign the records</translation>
    </message>
    <message>
        <source>The consent, registration and collection records are signed with your key and time-stamped.</source>
        <translation>The consent, registration and collection records are signed with your key and time-stamped.</translation>
    </message>
</context>
<context>
    <name>StationStatusBar</name>
    <message>
        <source>Signed in: %1</source>
        <translation>Signed in: %1</translation>
    </message>
    <message>
        <source>Not signed in</source>
        <translation>Not signed in</translation>
    </message>
    <message>
        <source>Database</source>
        <translation>Database</translation>
    </message>
    <message>
        <source>connected</source>
        <translation>connected</translation>
    </message>
    <message>
        <source>not reachable</source>
        <translation>not reachable</translation>
    </message>
    <message>
        <source>Time stamping</source>
        <translation>Time stamping</translation>
    </message>
    <message>
        <source>reachable</source>
        <translation>reachable</translation>
    </message>
    <message>
        <source>Barcode scanner</source>
        <translation>Barcode scanner</translation>
    </message>
    <message>
        <source>Cell separator</source>
        <translation>Cell separator</translation>
    </message>
    <message>
        <source>Fingerprint scanner</source>
        <translation>Fingerprint scanner</translation>
    </message>
    <message>
        <source>Haematology analyzer</source>
        <translation>Haematology analyzer</translation>
    </message>
    <message>
        <source>ID-card reader</source>
        <translation>ID-card reader</translation>
    </message>
    <message>
        <source>Label printer</source>
        <translation>Label printer</translation>
    </message>
    <message>
        <source>Signature pad</source>
        <translation>Signature pad</translation>
    </message>
    <message>
        <source>Staff card reader</source>
        <translation>Staff card reader</translation>
    </message>
    <message>
        <source>Analyzer</source>
        <translation>Analyzer</translation>
    </message>
    <message>
        <source>Fingerprint</source>
        <translation>Fingerprint</translation>
    </message>
    <message>
        <source>ID card</source>
        <translation>ID card</translation>
    </message>
    <message>
        <source>Printer</source>
        <translation>Printer</translation>
    </message>
    <message>
        <source>Scanner</source>
        <translation>Scanner</translation>
    </message>
    <message>
        <source>Separator</source>
        <translation>Separator</translation>
    </message>
    <message>
        <source>Staff card</source>
        <translation>Staff card</translation>
    </message>
</context>
<context>
    <name>TabletWindow</name>
    <message>
        <source>Donor</source>
        <translation>Donor</translation>
    </message>
    <message>
        <source>Welcome. Thank you for donating platelets.
Please wait for the staff.</source>
        <translation>Welcome. Thank you for donating platelets.
Please wait for the staff.</translation>
    </message>
    <message>
        <source>Please check your details</source>
        <translation>Please check your details</translation>
    </message>
    <message>
        <source>Yes, these are my details</source>
        <translation>Yes, these are my details</translation>
    </message>
    <message>
        <source>Something is wrong</source>
        <translation>Something is wrong</translation>
    </message>
    <message>
        <source>Please read the consent to the end and answer every question.</source>
        <translation>Please read the consent to the end and answer every question.</translation>
    </message>
    <message>
        <source>Continue to signature</source>
        <translation>Continue to signature</translation>
    </message>
    <message>
        <source>Please sign in the box below</source>
        <translation>Please sign in the box below</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Clear</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>Undo</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>Redo</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>Please place your finger on the scanner</source>
        <translation>Please place your finger on the scanner</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>Try again</translation>
    </message>
    <message>
        <source>Thank you. Please return the pen and wait to be called.</source>
        <translation>Thank you. Please return the pen and wait to be called.</translation>
    </message>
    <message>
        <source>male</source>
        <translation>male</translation>
    </message>
    <message>
        <source>female</source>
        <translation>female</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>Date of birth</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>Blood group</source>
        <translation>Blood group</translation>
    </message>
    <message>
        <source>Waiting for the scanner ...</source>
        <translation>Waiting for the scanner ...</translation>
    </message>
    <message>
        <source>Fingerprint taken. Thank you.</source>
        <translation>Fingerprint taken. Thank you.</translation>
    </message>
    <message>
        <source>The print was not clear enough. Please press again.</source>
        <translation>The print was not clear enough. Please press again.</translation>
    </message>
    <message>
        <source>The scanner is not available. Please tell the staff.</source>
        <translation>The scanner is not available. Please tell the staff.</translation>
    </message>
    <message>
        <source>Health questionnaire</source>
        <translation>Health questionnaire</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>Yes</translation>
    </message>
    <message>
        <source>No</source>
        <translation>No</translation>
    </message>
    <message>
        <source>End of the questionnaire.</source>
        <translation>End of the questionnaire.</translation>
    </message>
</context>
<context>
    <name>UsersPanel</name>
    <message>
        <source>Username</source>
        <translation>Username</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Roles</source>
        <translation>Roles</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Active</translation>
    </message>
    <message>
        <source>Locked</source>
        <translation>Locked</translation>
    </message>
    <message>
        <source>Initial password</source>
        <translation>Initial password</translation>
    </message>
    <message>
        <source>Add user</source>
        <translation>Add user</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>yes</translation>
    </message>
    <message>
        <source>no</source>
        <translation>no</translation>
    </message>
</context>
<context>
    <name>ValidatedField</name>
    <message>
        <source>Not a number</source>
        <translation>Not a number</translation>
    </message>
</context>
<context>
    <name>VitalsForm</name>
    <message>
        <source>Weight (kg)</source>
        <translation>Weight (kg)</translation>
    </message>
    <message>
        <source>Height (cm)</source>
        <translation>Height (cm)</translation>
    </message>
    <message>
        <source>Systolic (mmHg)</source>
        <translation>Systolic (mmHg)</translation>
    </message>
    <message>
        <source>Diastolic (mmHg)</source>
        <translation>Diastolic (mmHg)</translation>
    </message>
    <message>
        <source>Pulse (/min)</source>
        <translation>Pulse (/min)</translation>
    </message>
    <message>
        <source>Temperature (°C)</source>
        <translation>Temperature (°C)</translation>
    </message>
    <message>
        <source>Pulse regular</source>
        <translation>Pulse regular</translation>
    </message>
    <message>
        <source>General condition</source>
        <translation>General condition</translation>
    </message>
    <message>
        <source>Save examination</source>
        <translation>Save examination</translation>
    </message>
    <message>
        <source>Required</source>
        <translation>Required</translation>
    </message>
</context>
<context>
    <name>Workspace</name>
    <message>
        <source>Users and roles</source>
        <translation>Users and roles</translation>
    </message>
    <message>
        <source>Equipment</source>
        <translation>Equipment</translation>
    </message>
    <message>
        <source>Consumable lots</source>
        <translation>Consumable lots</translation>
    </message>
    <message>
        <source>Rule set in force</source>
        <translation>Rule set in force</translation>
    </message>
    <message>
        <source>Site configuration</source>
        <translation>Site configuration</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>Devices</translation>
    </message>
    <message>
        <source>The records are signed.</source>
        <translation>The records are signed.</translation>
    </message>
    <message>
        <source>1 Pre-collection check</source>
        <translation>1 Pre-collection check</translation>
    </message>
    <message>
        <source>2 Separator</source>
        <translation>2 Separator</translation>
    </message>
    <message>
        <source>3 Finish</source>
        <translation>3 Finish</translation>
    </message>
    <message>
        <source>4 Post-collection check</source>
        <translation>4 Post-collection check</translation>
    </message>
    <message>
        <source>5 Sealing</source>
        <translation>5 Sealing</translation>
    </message>
    <message>
        <source>6 Sign records</source>
        <translation>6 Sign records</translation>
    </message>
    <message>
        <source>Adverse reaction</source>
        <translation>Adverse reaction</translation>
    </message>
    <message>
        <source>The separator sent its end-of-run summary.</source>
        <translation>The separator sent its end-of-run summary.</translation>
    </message>
    <message>
        <source>Label printed for %1</source>
        <translation>Label printed for %1</translation>
    </message>
    <message>
        <source>General examination</source>
        <translation>General examination</translation>
    </message>
    <message>
        <source>Pre-donation tests</source>
        <translation>Pre-donation tests</translation>
    </message>
    <message>
        <source>Eligibility</source>
        <translation>Eligibility</translation>
    </message>
    <message>
        <source>Eligible: print the label and send the donor to the chair.</source>
        <translation>Eligible: print the label and send the donor to the chair.</translation>
    </message>
    <message>
        <source>The donor was deferred.</source>
        <translation>The donor was deferred.</translation>
    </message>
    <message>
        <source>&amp;Search</source>
        <translation>&amp;Search</translation>
    </message>
    <message>
        <source>&amp;Manual entry</source>
        <translation>&amp;Manual entry</translation>
    </message>
    <message>
        <source>Register &amp;donation and print queue ticket</source>
        <translation>Register &amp;donation and print queue ticket</translation>
    </message>
    <message>
        <source>Show on donor &amp;tablet again</source>
        <translation>Show on donor &amp;tablet again</translation>
    </message>
    <message>
        <source>Donation %1 registered, queue number %2</source>
        <translation>Donation %1 registered, queue number %2</translation>
    </message>
    <message>
        <source>The donor signed the consent and questionnaire.</source>
        <translation>The donor signed the consent and questionnaire.</translation>
    </message>
    <message>
        <source>All three records are signed.</source>
        <translation>All three records are signed.</translation>
    </message>
    <message>
        <source>Today's &amp;bookings</source>
        <translation>Today's &amp;bookings</translation>
    </message>
    <message>
        <source>Your record is signed; still waiting for: %1</source>
        <translation>Your record is signed; still waiting for: %1</translation>
    </message>
    <message>
        <source>Your records are signed; still waiting for: %1</source>
        <translation>Your records are signed; still waiting for: %1</translation>
    </message>
    <message>
        <source>collection record</source>
        <translation>collection record</translation>
    </message>
    <message>
        <source>consent and questionnaire</source>
        <translation>consent and questionnaire</translation>
    </message>
    <message>
        <source>registration and examination form</source>
        <translation>registration and examination form</translation>
    </message>
    <message>
        <source>Adverse reaction recorded.</source>
        <translation>Adverse reaction recorded.</translation>
    </message>
    <message>
        <source>WRONG BAG: the scan %1 does not carry this donation's DIN %2. Do not seal; remove the bag.</source>
        <translation>WRONG BAG: the scan %1 does not carry this donation's DIN %2. Do not seal; remove the bag.</translation>
    </message>
    <message>
        <source>%1 — click to acknowledge</source>
        <translation>%1 — click to acknowledge</translation>
    </message>
    <message>
        <source>Regional check acknowledged.</source>
        <translation>Regional check acknowledged.</translation>
    </message>
    <message>
        <source>Regional checks…</source>
        <translation>Regional checks…</translation>
    </message>
    <message>
        <source>1 Pre-check</source>
        <translation>1 Pre-check</translation>
    </message>
    <message>
        <source>4 Post-check</source>
        <translation>4 Post-check</translation>
    </message>
    <message>
        <source>6 Sign</source>
        <translation>6 Sign</translation>
    </message>
    <message>
        <source>Reaction</source>
        <translation>Reaction</translation>
    </message>
</context>
<context>
    <name>Workspaces</name>
    <message>
        <source>Registration desk</source>
        <translation>Registration desk</translation>
    </message>
    <message>
        <source>Examination and assessment</source>
        <translation>Examination and assessment</translation>
    </message>
    <message>
        <source>Collection chair</source>
        <translation>Collection chair</translation>
    </message>
    <message>
        <source>Archive</source>
        <translation>Archive</translation>
    </message>
    <message>
        <source>Administration</source>
        <translation>Administration</translation>
    </message>
    <message>
        <source>Quality dashboard</source>
        <translation>Quality dashboard</translation>
    </message>
</context>
<context>
    <name>ops</name>
    <message>
        <source>An unexpected error occurred. The step was not completed; please try again or call support.</source>
        <translation>An unexpected error occurred. The step was not completed; please try again or call support.</translation>
    </message>
    <message>
        <source>Not done</source>
        <translation>Not done</translation>
    </message>
    <message>
        <source>(technical details in the log)</source>
        <translation>(technical details in the log)</translation>
    </message>
</context>
<context>
    <name>run_confirmed</name>
    <message>
        <source>Please confirm these values</source>
        <translation>Please confirm these values</translation>
    </message>
    <message>
        <source>Are these values correct as entered?</source>
        <translation>Are these values correct as entered?</translation>
    </message>
</context>
<context>
    <name>screenshots</name>
    <message>
        <source>SEALING MISMATCH: scanned =W0000269999900 does not belong to this donation; stop and investigate</source>
        <translation>SEALING MISMATCH: scanned =W0000269999900 does not belong to this donation; stop and investigate</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <source>ID card reader</source>
        <translation>ID card reader</translation>
    </message>
    <message>
        <source>Hematology analyzer</source>
        <translation>Hematology analyzer</translation>
    </message>
    <message>
        <source>Cell separator</source>
        <translation>Cell separator</translation>
    </message>
    <message>
        <source>Signature pad</source>
        <translation>Signature pad</translation>
    </message>
    <message>
        <source>Fingerprint scanner</source>
        <translation>Fingerprint scanner</translation>
    </message>
    <message>
        <source>Label printer</source>
        <translation>Label printer</translation>
    </message>
    <message>
        <source>Barcode scanner</source>
        <translation>Barcode scanner</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>Test</translation>
    </message>
    <message>
        <source>Testing…</source>
        <translation>Testing…</translation>
    </message>
    <message>
        <source>Site and station</source>
        <translation>Site and station</translation>
    </message>
    <message>
        <source>Which blood centre this station belongs to, and which station it is.</source>
        <translation>Which blood centre this station belongs to, and which station it is.</translation>
    </message>
    <message>
        <source>5 characters, e.g. W1234</source>
        <translation>5 characters, e.g. W1234</translation>
    </message>
    <message>
        <source>e.g. Chair 1</source>
        <translation>e.g. Chair 1</translation>
    </message>
    <message>
        <source>Test the connection</source>
        <translation>Test the connection</translation>
    </message>
    <message>
        <source>Database</source>
        <translation>Database</translation>
    </message>
    <message>
        <source>One station on its own keeps its data in a file; the stations of a centre share its PostgreSQL database.</source>
        <translation>One station on its own keeps its data in a file; the stations of a centre share its PostgreSQL database.</translation>
    </message>
    <message>
        <source>This station only (embedded SQLite file in the data folder)</source>
        <translation>This station only (embedded SQLite file in the data folder)</translation>
    </message>
    <message>
        <source>The centre's PostgreSQL database</source>
        <translation>The centre's PostgreSQL database</translation>
    </message>
    <message>
        <source>Ask the centre's IT for the address. The first station creates the tables; the others join them.</source>
        <translation>Ask the centre's IT for the address. The first station creates the tables; the others join them.</translation>
    </message>
    <message>
        <source>Records store folder</source>
        <translation>Records store folder</translation>
    </message>
    <message>
        <source>Test the records store</source>
        <translation>Test the records store</translation>
    </message>
    <message>
        <source>Records store</source>
        <translation>Records store</translation>
    </message>
    <message>
        <source>Where archived records are kept: a folder (local or a mounted network share) or an S3-compatible object store with object lock.</source>
        <translation>Where archived records are kept: a folder (local or a mounted network share) or an S3-compatible object store with object lock.</translation>
    </message>
    <message>
        <source>Choose folder…</source>
        <translation>Choose folder…</translation>
    </message>
    <message>
        <source>empty: the archive-store folder in the data folder</source>
        <translation>empty: the archive-store folder in the data folder</translation>
    </message>
    <message>
        <source>Examples: file:///srv/records, s3://records/station-3</source>
        <translation>Examples: file:///srv/records, s3://records/station-3</translation>
    </message>
    <message>
        <source>The centre's CA folder</source>
        <translation>The centre's CA folder</translation>
    </message>
    <message>
        <source>Test the CA and time stamps</source>
        <translation>Test the CA and time stamps</translation>
    </message>
    <message>
        <source>Certificates and time stamps</source>
        <translation>Certificates and time stamps</translation>
    </message>
    <message>
        <source>The signed records need a certification authority (CA) and an RFC 3161 time stamp service.</source>
        <translation>The signed records need a certification authority (CA) and an RFC 3161 time stamp service.</translation>
    </message>
    <message>
        <source>Create this station's own CA and time stamp service</source>
        <translation>Create this station's own CA and time stamp service</translation>
    </message>
    <message>
        <source>Use the centre's CA (root and issuing CA with their keys)</source>
        <translation>Use the centre's CA (root and issuing CA with their keys)</translation>
    </message>
    <message>
        <source>http://tsa.centre.local/tsa (empty: this station's own)</source>
        <translation>http://tsa.centre.local/tsa (empty: this station's own)</translation>
    </message>
    <message>
        <source>simulator</source>
        <translation>simulator</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>Devices</translation>
    </message>
    <message>
        <source>Choose each device's driver and port, then test it. A device left on the simulator can be set up later.</source>
        <translation>Choose each device's driver and port, then test it. A device left on the simulator can be set up later.</translation>
    </message>
    <message>
        <source>Find ports again</source>
        <translation>Find ports again</translation>
    </message>
    <message>
        <source>A port may also be typed: COM3, /dev/ttyUSB0, a pty, socket://host:port, mllp://0.0.0.0:5100 (HL7 analyzer). Scan a barcode or send a result from the analyzer while it is tested.</source>
        <translation>A port may also be typed: COM3, /dev/ttyUSB0, a pty, socket://host:port, mllp://0.0.0.0:5100 (HL7 analyzer). Scan a barcode or send a result from the analyzer while it is tested.</translation>
    </message>
    <message>
        <source>Set up this station</source>
        <translation>Set up this station</translation>
    </message>
    <message>
        <source>Everything is checked once more, then the configuration is written.</source>
        <translation>Everything is checked once more, then the configuration is written.</translation>
    </message>
    <message>
        <source>embedded SQLite file</source>
        <translation>embedded SQLite file</translation>
    </message>
    <message>
        <source>the archive-store folder in the data folder</source>
        <translation>the archive-store folder in the data folder</translation>
    </message>
    <message>
        <source>this station's own CA</source>
        <translation>this station's own CA</translation>
    </message>
    <message>
        <source>this station's own time stamp service</source>
        <translation>this station's own time stamp service</translation>
    </message>
    <message>
        <source>Set up the apheresis station</source>
        <translation>Set up the apheresis station</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>Blood centre</source>
        <translation>Blood centre</translation>
    </message>
    <message>
        <source>Name in English (optional)</source>
        <translation>Name in English (optional)</translation>
    </message>
    <message>
        <source>Facility code (ISBT 128)</source>
        <translation>Facility code (ISBT 128)</translation>
    </message>
    <message>
        <source>Station name</source>
        <translation>Station name</translation>
    </message>
    <message>
        <source>Station kind</source>
        <translation>Station kind</translation>
    </message>
    <message>
        <source>Registration desk</source>
        <translation>Registration desk</translation>
    </message>
    <message>
        <source>Collection chair</source>
        <translation>Collection chair</translation>
    </message>
    <message>
        <source>Office (physician, archivist, administrator)</source>
        <translation>Office (physician, archivist, administrator)</translation>
    </message>
    <message>
        <source>Other stations already use this database: this station joins them.</source>
        <translation>Other stations already use this database: this station joins them.</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>S3 endpoint</source>
        <translation>S3 endpoint</translation>
    </message>
    <message>
        <source>Access key</source>
        <translation>Access key</translation>
    </message>
    <message>
        <source>Secret key</source>
        <translation>Secret key</translation>
    </message>
    <message>
        <source>The records store answers: %1</source>
        <translation>The records store answers: %1</translation>
    </message>
    <message>
        <source>CA folder</source>
        <translation>CA folder</translation>
    </message>
    <message>
        <source>Key passphrase</source>
        <translation>Key passphrase</translation>
    </message>
    <message>
        <source>Time stamp service</source>
        <translation>Time stamp service</translation>
    </message>
    <message>
        <source>Key custody</source>
        <translation>Key custody</translation>
    </message>
    <message>
        <source>Passphrase again</source>
        <translation>Passphrase again</translation>
    </message>
    <message>
        <source>Token label</source>
        <translation>Token label</translation>
    </message>
    <message>
        <source>Token PIN</source>
        <translation>Token PIN</translation>
    </message>
    <message>
        <source>Passphrase typed at every start (not stored)</source>
        <translation>Passphrase typed at every start (not stored)</translation>
    </message>
    <message>
        <source>Keys on a PKCS#11 token (PIN at every start)</source>
        <translation>Keys on a PKCS#11 token (PIN at every start)</translation>
    </message>
    <message>
        <source>Demo only: passphrase file beside the keys</source>
        <translation>Demo only: passphrase file beside the keys</translation>
    </message>
    <message>
        <source>The passphrase is not stored on this station: the administrator types it at every client start to unlock signing.</source>
        <translation>The passphrase is not stored on this station: the administrator types it at every client start to unlock signing.</translation>
    </message>
    <message>
        <source>The CA and time stamp keys are made on the token and never leave it: insert it and type its PIN at every client start.</source>
        <translation>The CA and time stamp keys are made on the token and never leave it: insert it and type its PIN at every client start.</translation>
    </message>
    <message>
        <source>Demonstration only: the passphrase is kept in a file beside the keys, so whoever copies the data folder can issue certificates and time stamps.</source>
        <translation>Demonstration only: the passphrase is kept in a file beside the keys, so whoever copies the data folder can issue certificates and time stamps.</translation>
    </message>
    <message>
        <source>donor tablet window</source>
        <translation>donor tablet window</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Failed</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>Answered</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>Device</translation>
    </message>
    <message>
        <source>Driver</source>
        <translation>Driver</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>Port</translation>
    </message>
    <message>
        <source>Data folder</source>
        <translation>Data folder</translation>
    </message>
    <message>
        <source>CA</source>
        <translation>CA</translation>
    </message>
    <message>
        <source>On the simulator</source>
        <translation>On the simulator</translation>
    </message>
    <message>
        <source>The station is set up. Configuration: %1</source>
        <translation>The station is set up. Configuration: %1</translation>
    </message>
    <message>
        <source>The database already has an administrator: sign in with that account.</source>
        <translation>The database already has an administrator: sign in with that account.</translation>
    </message>
    <message>
        <source>the centre's CA in %1</source>
        <translation>the centre's CA in %1</translation>
    </message>
    <message>
        <source>Connected: PostgreSQL %1 at %2</source>
        <translation>Connected: PostgreSQL %1 at %2</translation>
    </message>
    <message>
        <source>Serial ports found: %1</source>
        <translation>Serial ports found: %1</translation>
    </message>
    <message>
        <source>, </source>
        <translation>, </translation>
    </message>
    <message>
        <source>The time stamp service answers: %1, time %2</source>
        <translation>The time stamp service answers: %1, time %2</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>%1: answered on %2</source>
        <translation>%1: answered on %2</translation>
    </message>
    <message>
        <source>Administrator: %1, password: %2
Write it down now: it is shown only once and must be changed at the first sign-in.</source>
        <translation>Administrator: %1, password: %2
Write it down now: it is shown only once and must be changed at the first sign-in.</translation>
    </message>
    <message>
        <source>The chain verifies: %1 under %2 (SHA-256 %3), valid until %4</source>
        <translation>The chain verifies: %1 under %2 (SHA-256 %3), valid until %4</translation>
    </message>
</context>
<context>
    <name>BookingsPanel</name>
    <message>
        <source>Pull from the booking platform</source>
        <translation>Pull from the booking platform</translation>
    </message>
    <message>
        <source>%1 already known</source>
        <translation>%1 already known</translation>
    </message>
    <message>
        <source>%1 booked, %2 arrived</source>
        <translation>%1 booked, %2 arrived</translation>
    </message>
    <message>
        <source>%1 rows refused:</source>
        <translation>%1 rows refused:</translation>
    </message>
    <message>
        <source>Booking</source>
        <translation>Booking</translation>
    </message>
    <message>
        <source>Booking files (*.json *.csv)</source>
        <translation>Booking files (*.json *.csv)</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>Import bookings</source>
        <translation>Import bookings</translation>
    </message>
    <message>
        <source>Import bookings…</source>
        <translation>Import bookings…</translation>
    </message>
    <message>
        <source>Imported %1 bookings</source>
        <translation>Imported %1 bookings</translation>
    </message>
    <message>
        <source>Mark no-shows</source>
        <translation>Mark no-shows</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>No bookings for today</source>
        <translation>No bookings for today</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Time slot</source>
        <translation>Time slot</translation>
    </message>
    <message>
        <source>arrived</source>
        <translation>arrived</translation>
    </message>
    <message>
        <source>booked</source>
        <translation>booked</translation>
    </message>
    <message>
        <source>no-show</source>
        <translation>no-show</translation>
    </message>
</context>
<context>
    <name>FiguresPanel</name>
    <message>
        <source>Export today's ledger (CSV)…</source>
        <translation>Export today's ledger (CSV)…</translation>
    </message>
    <message>
        <source>Export today's ledger (PDF)…</source>
        <translation>Export today's ledger (PDF)…</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 min</translation>
    </message>
    <message>
        <source>Adverse reactions</source>
        <translation>Adverse reactions</translation>
    </message>
    <message>
        <source>Appointment share</source>
        <translation>Appointment share</translation>
    </message>
    <message>
        <source>Average wait</source>
        <translation>Average wait</translation>
    </message>
    <message>
        <source>Collections today</source>
        <translation>Collections today</translation>
    </message>
    <message>
        <source>Deferred</source>
        <translation>Deferred</translation>
    </message>
    <message>
        <source>Platelet doses</source>
        <translation>Platelet doses</translation>
    </message>
    <message>
        <source>Today %1</source>
        <translation>Today %1</translation>
    </message>
</context>
<context>
    <name>QualityController</name>
    <message>
        <source>Export the day's consumption ledger</source>
        <translation>Export the day's consumption ledger</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV files (*.csv)</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>PDF files (*.pdf)</translation>
    </message>
    <message>
        <source>Ledger of %1 exported to %2 (%3 lines)</source>
        <translation>Ledger of %1 exported to %2 (%3 lines)</translation>
    </message>
</context>
<context>
    <name>LotsPanel</name>
    <message>
        <source>at</source>
        <translation>at</translation>
    </message>
    <message>
        <source>The lot expires at a time of day (without it: at the end of the day)</source>
        <translation>The lot expires at a time of day (without it: at the end of the day)</translation>
    </message>
</context>
<context>
    <name>CallPanel</name>
    <message>
        <source>Call next donor</source>
        <translation>Call next donor</translation>
    </message>
    <message>
        <source>Called %1</source>
        <translation>Called %1</translation>
    </message>
    <message>
        <source>Desk or chair</source>
        <translation>Desk or chair</translation>
    </message>
    <message>
        <source>Nobody is waiting.</source>
        <translation>Nobody is waiting.</translation>
    </message>
</context>
<context>
    <name>CollectionController</name>
    <message>
        <source>No blood group on file for this donor: the separator was sent the parameters without one; check the group on the separator.</source>
        <translation>No blood group on file for this donor: the separator was sent the parameters without one; check the group on the separator.</translation>
    </message>
    <message>
        <source>The separator parameters could not be sent (%1); key them in on the separator.</source>
        <translation>The separator parameters could not be sent (%1); key them in on the separator.</translation>
    </message>
</context>
<context>
    <name>WaitingRoomDisplay</name>
    <message>
        <source>Apheresis donation — please wait for your number</source>
        <translation>Apheresis donation — please wait for your number</translation>
    </message>
    <message>
        <source>Number %1, please go to %2</source>
        <translation>Number %1, please go to %2</translation>
    </message>
    <message>
        <source>Please wait to be called</source>
        <translation>Please wait to be called</translation>
    </message>
    <message>
        <source>Waiting room</source>
        <translation>Waiting room</translation>
    </message>
    <message>
        <source>Waiting: %1</source>
        <translation>Waiting: %1</translation>
    </message>
</context>
<context>
    <name>RegionalChecks</name>
    <message>
        <source>%1
Why may collection go on (e.g. checked by telephone)?</source>
        <translation>%1
Why may collection go on (e.g. checked by telephone)?</translation>
    </message>
    <message>
        <source>Regional check not done</source>
        <translation>Regional check not done</translation>
    </message>
</context>
<context>
    <name>RegionalChecksDialog</name>
    <message>
        <source>%1 checks, %2 to acknowledge</source>
        <translation>%1 checks, %2 to acknowledge</translation>
    </message>
    <message>
        <source>Acknowledge…</source>
        <translation>Acknowledge…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>DIN</source>
        <translation>DIN</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>NOT DONE - to acknowledge</source>
        <translation>NOT DONE - to acknowledge</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>Regional checks today</source>
        <translation>Regional checks today</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Result</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>done</source>
        <translation>done</translation>
    </message>
    <message>
        <source>not done, acknowledged</source>
        <translation>not done, acknowledged</translation>
    </message>
</context>
</TS>
