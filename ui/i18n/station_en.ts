<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>ArchiveBrowser</name>
    <message>
        <source>Archive number, DIN, name or ID number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Verification report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Archive number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>DIN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Donor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ID number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Archived on</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ArchiveRunPanel</name>
    <message>
        <source>Archive all signed records now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>DIN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Archive number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Result</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reason</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Archived: %1   Failed: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>archived</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>failed</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AssessmentPanel</name>
    <message>
        <source>Decide eligibility</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Override a failed check ...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Print bag label</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rule set: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 check(s) fail: the donor will be deferred unless overridden.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DevicesPanel</name>
    <message>
        <source>Device</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kind</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Driver</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Port</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Protocol</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Test connection (live events below)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DonorHeader</name>
    <message>
        <source>No donor selected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>male</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>female</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DonorPanel</name>
    <message>
        <source>Donation history</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next eligible date</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Date</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Volume (mL)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Interval (days)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Place</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Place the donor&apos;s ID card on the reader, or search or enter the donor by hand.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Photo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Card photo stored (no decoder on this station)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No photo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>male</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>female</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ID number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sex</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Blood group</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rule set</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Latest donation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PERMANENTLY DEFERRED - do not register a donation. Reason: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Deferred: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>EquipmentPanel</name>
    <message>
        <source>Serial</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calibration due</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Register</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Record calibration</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>calibrated</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CALIBRATION OVERDUE</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FiguresPanel</name>
    <message>
        <source>Loading ...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Donations</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Record modification rate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Missing-signature rate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check errors</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Period %1 to %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Deferral reasons</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Collections per chair</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Collections per day</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FinishForm</name>
    <message>
        <source>Whole blood processed (mL)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>AC used (mL)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>AC to donor (mL)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Platelet volume (mL)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Platelet yield (×10¹¹)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Plasma (mL)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run time (min)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Finish collection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Values from the separator&apos;s summary</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Typed values (no separator summary received)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LockPage</name>
    <message>
        <source>Locked: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The screen was locked after a period without use.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The staff card was removed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LoginPage</name>
    <message>
        <source>Apheresis donation station</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Username</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Staff card</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;PIN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Or insert your staff card and enter its PIN.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter your username and password.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LotsPanel</name>
    <message>
        <source>Apheresis kit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Anticoagulant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Item</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Catalogue no.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lot</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Expiry</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>On hand</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Receive</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>EXPIRED</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Apheresis donation station</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lock screen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your account has no workspace on this station.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ManualEntryForm</name>
    <message>
        <source>&amp;ID number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Se&amp;x</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Date of &amp;birth</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>P&amp;hone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A&amp;ddress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ABO</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>RhD</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>male</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>female</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Register donor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Valid ID number</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>OverrideDialog</name>
    <message>
        <source>Override a failed check</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reason</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signature</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give a reason of at least 4 characters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in the box.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PasswordChangePage</name>
    <message>
        <source>This is your first sign-in: choose your own password (at least 8 characters, letters and digits).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Current password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New password again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Change password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The two new passwords differ.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PostCheckForm</name>
    <message>
        <source>Donor&apos;s condition good</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Puncture site fine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Product appearance normal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Label applied</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bag intact, no leak</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Notes (required when an item is not ticked)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save post-collection check</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PreCheckForm</name>
    <message>
        <source>Donor card / wristband</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bag DIN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Separator serial</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kit lot</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Anticoagulant lot</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saline lot</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PretestPanel</name>
    <message>
        <source>Haemoglobin (g/L)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Haematocrit (L/L)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Platelets (10^9/L)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>MPV (fL)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Manual entry (analyzer not available)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reason for manual entry</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save results</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting for the analyzer: sample %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Analyzer result filed for %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Analyzer result for %1 not filed (%2): %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter haemoglobin, haematocrit and platelets.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QueueTicket</name>
    <message>
        <source>No donation registered yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The donor is reading and signing on the tablet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Questionnaire signed: send the donor to the physician</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The donor reported wrong details: check and register again</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ReactionForm</name>
    <message>
        <source>Reaction</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Grade (1 mild - 3 severe)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Treatment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Record adverse reaction</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SealingPanel</name>
    <message>
        <source>Scan the DIN on every bag and sample segment, then press Seal check.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scan here</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Seal check</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clear scans</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SearchPanel</name>
    <message>
        <source>ID number, name, phone or DIN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ID number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sex</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>male</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>female</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SeparatorPanel</name>
    <message>
        <source>Start collection (needle in)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Separator alarms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No data from the separator yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>priming</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>collecting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>rinseback</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ended</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phase: %1   Time: %2 min   Processed: %3 mL   Yield: %4 ×10¹¹   AC: %5 mL</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SignPanel</name>
    <message>
        <source>Token PIN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign the records</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The consent, registration and collection records are signed with your key and time-stamped.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>StationStatusBar</name>
    <message>
        <source>Signed in: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not signed in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Database</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>connected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not reachable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time stamping</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reachable</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TabletWindow</name>
    <message>
        <source>Donor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Welcome. Thank you for donating platelets.
Please wait for the staff.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please check your details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Yes, these are my details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Something is wrong</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please read the consent to the end and answer every question.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Continue to signature</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please sign in the box below</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Undo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Redo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please place your finger on the scanner</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Try again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Thank you. Please return the pen and wait to be called.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>male</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>female</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sex</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ID number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Blood group</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting for the scanner ...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fingerprint taken. Thank you.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The print was not clear enough. Please press again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The scanner is not available. Please tell the staff.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Health questionnaire</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Yes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>End of the questionnaire.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>UsersPanel</name>
    <message>
        <source>Username</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Roles</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Active</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Locked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Initial password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add user</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>yes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ValidatedField</name>
    <message>
        <source>Not a number</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>VitalsForm</name>
    <message>
        <source>Weight (kg)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Height (cm)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Systolic (mmHg)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Diastolic (mmHg)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pulse (/min)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Temperature (°C)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pulse regular</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>General condition</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save examination</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Required</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Workspace</name>
    <message>
        <source>Users and roles</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Equipment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Consumable lots</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rule set in force</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Site configuration</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Devices</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The records are signed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 Pre-collection check</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>2 Separator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>3 Finish</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>4 Post-collection check</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>5 Sealing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>6 Sign records</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Adverse reaction</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The separator sent its end-of-run summary.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Label printed for %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>General examination</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pre-donation tests</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Eligibility</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Eligible: print the label and send the donor to the chair.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The donor was deferred.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Search</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Manual entry</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Register &amp;donation and print queue ticket</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show on donor &amp;tablet again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Donation %1 registered, queue number %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The donor signed the consent and questionnaire.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Workspaces</name>
    <message>
        <source>Registration desk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Examination and assessment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Collection chair</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Archive</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Administration</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quality dashboard</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ops</name>
    <message>
        <source>An unexpected error occurred. The step was not completed; please try again or call support.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not done</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>run_confirmed</name>
    <message>
        <source>Please confirm these values</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Are these values correct as entered?</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>screenshots</name>
    <message>
        <source>SEALING MISMATCH: scanned =W0000269999900 does not belong to this donation; stop and investigate</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
