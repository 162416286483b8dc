"""ASTM E1381 low-level protocol: frame codec and the receiver and sender state machines (pure, no I/O)."""
from __future__ import annotations

from dataclasses import dataclass, field

ENQ, ACK, NAK, EOT = b"\x05", b"\x06", b"\x15", b"\x04"
STX, ETX, ETB, CR, LF = b"\x02", b"\x03", b"\x17", b"\r", b"\n"
MAX_TEXT = 240
RECEIVER_TIMEOUT = 30.0
MAX_RETRIES = 6  # E1381: a frame is sent at most 1 + 6 times, then the transfer is aborted
MAX_NAKS = MAX_RETRIES + 1  # the receiver gives up after the 7th rejection without a frame taken


def checksum(fn_to_term: bytes) -> bytes:
    """Sum of the bytes from FN through ETB/ETX, mod 256, as two upper-case hex digits."""
    return f"{sum(fn_to_term) & 0xFF:02X}".encode()


def build_frame(fn: int, text: bytes, final: bool) -> bytes:
    body = str(fn % 8).encode() + text + (ETX if final else ETB)
    return STX + body + checksum(body) + CR + LF


def build_frames(records: list[str], max_text: int = MAX_TEXT, encoding: str = "latin-1") -> list[bytes]:
    """Records -> frames: each record ends with CR; a record longer than max_text continues in ETB frames."""
    frames: list[bytes] = []
    fn = 1
    for record in records:
        data = record.encode(encoding) + CR
        chunks = [data[i:i + max_text] for i in range(0, len(data), max_text)]
        for i, chunk in enumerate(chunks):
            frames.append(build_frame(fn, chunk, i == len(chunks) - 1))
            fn = (fn + 1) % 8
    return frames


class FrameError(ValueError):
    pass


@dataclass(frozen=True)
class ParsedFrame:
    fn: int
    text: bytes
    final: bool


_FORBIDDEN_IN_TEXT = set(b"\x02\x03\x04\x05\x06\x0a\x15\x17")


def parse_frame(frame: bytes, max_text: int = MAX_TEXT) -> ParsedFrame:
    """STX FN text ETB|ETX C1 C2 CR LF -> ParsedFrame, or FrameError with the reason."""
    if len(frame) < 7 or frame[:1] != STX:
        raise FrameError("frame too short or without STX")
    if frame[-2:] != CR + LF:
        raise FrameError("frame does not end with CR LF")
    term = frame[-5:-4]
    if term not in (ETX, ETB):
        raise FrameError("frame has no ETX/ETB before its checksum")
    fn_char = frame[1:2]
    if fn_char not in b"01234567" or not fn_char:
        raise FrameError(f"bad frame number {fn_char!r}")
    text = frame[2:-5]
    if len(text) > max_text:
        raise FrameError(f"frame text is {len(text)} characters, more than {max_text}")
    if any(b in _FORBIDDEN_IN_TEXT for b in text):
        raise FrameError("control character inside frame text")
    expected = checksum(frame[1:-4])
    if frame[-4:-2].upper() != expected:
        raise FrameError(f"checksum {frame[-4:-2]!r} != {expected!r}")
    return ParsedFrame(int(fn_char), text, term == ETX)


@dataclass
class Transfer:
    """One completed transfer (ENQ ... EOT): the message text and every byte received for it."""

    text: bytes
    raw: bytes
    frames: int
    complete: bool  # False: aborted; `text` then holds only the records that were completed


@dataclass
class ReceiverOutput:
    reply: bytes = b""
    transfers: list[Transfer] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class AstmReceiver:
    """The receiving side of E1381 (the station): acknowledges frames and assembles transfers.

    A frame is taken only when it carries the next frame number. A frame with the previous number
    is a repeat only if it is byte for byte the frame we acknowledged; anything else (another
    content with that number, any other number) means the sender is no longer on our frame: the
    rest of the transfer is refused (NAK) and its unfinished message discarded. Rejections count
    towards the abort after 7 (a sender gives up after 6 retransmissions, E1381)."""

    def __init__(self, timeout: float = RECEIVER_TIMEOUT, max_text: int = MAX_TEXT,
                 max_naks: int = MAX_NAKS) -> None:
        self.timeout = timeout
        self.max_text = max_text
        self.max_naks = max_naks
        self._reset()
        self.receiving = False

    def _reset(self) -> None:
        self.receiving = False
        self._expected = 1
        self._frame: bytearray | None = None
        self._text = bytearray()      # text of completed records (ending with ETX frames)
        self._partial = bytearray()   # text of a record still continuing in ETB frames
        self._raw = bytearray()
        self._frames = 0
        self._naks = 0
        self._last_frame = b""  # the last frame acknowledged, byte for byte
        self._desync: str | None = None  # why the sender and we are no longer on the same frame
        self._last_activity = 0.0
        self._discarding = False

    def _abort(self, out: ReceiverOutput, reason: str) -> None:
        out.errors.append(reason)
        if self._text:
            out.transfers.append(Transfer(bytes(self._text), bytes(self._raw), self._frames, False))
        self._reset()

    def check_timeout(self, now: float) -> ReceiverOutput:
        """Call regularly: a sender silent for `timeout` seconds mid-transfer aborts the transfer.

        As E1381 says, only the incomplete message is discarded: messages already closed by
        their L record were acknowledged frame by frame and come back in a Transfer marked
        incomplete (the caller files only messages that end with L)."""
        out = ReceiverOutput()
        if self.receiving and now - self._last_activity > self.timeout:
            self._abort(out, f"receiver timeout: no frame for {self.timeout:g} s, "
                             "incomplete message discarded")
        return out

    def feed(self, data: bytes, now: float) -> ReceiverOutput:
        out = ReceiverOutput()
        for value in data:
            b = bytes([value])
            if not self.receiving:
                if b == ENQ:
                    self._reset()
                    self.receiving = True
                    self._last_activity = now
                    self._raw += b
                    out.reply += ACK
                # anything else while idle is line noise (or a late frame of an aborted transfer)
                continue
            self._last_activity = now
            self._raw += b
            if self._frame is not None:
                if b == STX:  # a new frame began: the previous one was cut short
                    self._frame = bytearray(b)
                    continue
                if self._discarding:
                    if b == LF:
                        self._frame = None
                        self._discarding = False
                        self._nak(out, "oversized frame")
                    continue
                self._frame += b
                if b == LF:
                    frame, self._frame = bytes(self._frame), None
                    self._on_frame(frame, out)
                elif len(self._frame) > self.max_text + 7:
                    self._discarding = True
                continue
            if b == STX:
                self._frame = bytearray(b)
            elif b == EOT:
                if self._desync:
                    self._abort(out, f"transfer ended out of step ({self._desync}): the message in "
                                     "progress is discarded")
                elif self._partial:
                    self._abort(out, "transfer ended inside a record (ETB without final frame)")
                else:
                    out.transfers.append(Transfer(bytes(self._text), bytes(self._raw),
                                                  self._frames, True))
                    self._reset()
            elif b == ENQ:
                # the sender started over (restarted or gave up on us): drop what we had
                if self._text or self._partial:
                    out.errors.append("sender restarted the transfer: partial message discarded")
                self._reset()
                self.receiving = True
                self._last_activity = now
                self._raw += b
                out.reply += ACK
            # other bytes between frames are noise
        return out

    def _nak(self, out: ReceiverOutput, reason: str) -> None:
        self._naks += 1
        out.errors.append(f"frame rejected: {reason}")
        out.reply += NAK  # the last one too: the sender is not left waiting for a reply it never gets
        if self._naks >= self.max_naks:
            self._text.clear()  # a NAK storm: nothing of this transfer is trusted
            self._partial.clear()
            self._abort(out, f"{self._naks} frames rejected in a row: transfer aborted")

    def _on_frame(self, frame: bytes, out: ReceiverOutput) -> None:
        """One whole frame (STX ... LF). Taken only when its number is the next one expected.

        A frame numbered expected-1 is a repeat only if it is byte for byte the frame we
        acknowledged (our ACK was lost): it is acknowledged again and not kept twice. Anything
        else with that number is a different frame (a sender that moved on without retransmitting,
        or a line that mixed two transfers): it is rejected and counts towards the abort, so that
        text of one message can never be appended to another's."""
        try:
            parsed = parse_frame(frame, self.max_text)
        except FrameError as exc:
            self._nak(out, str(exc))
            return
        if self._desync:
            self._nak(out, f"transfer out of step since {self._desync}: nothing more of it is taken")
            return
        if parsed.fn == self._expected:
            self._naks = 0
            self._frames += 1
            self._expected = (self._expected + 1) % 8
            self._last_frame = frame
            if parsed.final:
                self._text += self._partial + parsed.text
                self._partial.clear()
            else:
                self._partial += parsed.text
            out.reply += ACK
        elif parsed.fn == (self._expected - 1) % 8 and self._frames and frame == self._last_frame:
            out.reply += ACK  # our ACK was lost and the sender repeated the frame: keep one copy
        elif parsed.fn == (self._expected - 1) % 8 and self._frames:
            self._desync = f"frame {parsed.fn} came again with other content"
            self._nak(out, f"frame {parsed.fn} repeated with a different content than the one "
                           "acknowledged")
        else:
            # A sender retransmits the frame we rejected with the same number; a frame with another
            # number means it moved on without us (or another transfer is on the line). Whatever
            # comes next cannot be placed safely: the rest of this transfer is refused, so that no
            # frame of another message is ever appended to this one.
            self._desync = f"frame {parsed.fn} came while {self._expected} was expected"
            self._nak(out, f"frame number {parsed.fn}, expected {self._expected}")


@dataclass
class SenderOutput:
    send: bytes = b""
    done: bool = False
    ok: bool = False
    error: str | None = None


class AstmSender:
    """The sending side of E1381 (the instrument, in the simulator): ENQ, frames with retries, EOT.

    Drive it with `start(now)`, `on_byte(b, now)` and `tick(now)`; each returns what to send.
    Contention (ENQ answered with ENQ): the instrument has priority, so as instrument it waits
    1 s and sends ENQ again; as computer system it yields for 20 s.
    """

    def __init__(self, frames: list[bytes], role: str = "instrument", reply_timeout: float = 15.0,
                 max_retries: int = MAX_RETRIES) -> None:
        self.frames = frames
        self.role = role
        self.reply_timeout = reply_timeout
        self.max_retries = max_retries
        self.state = "idle"
        self.index = 0
        self.retries = 0
        self.deadline = 0.0
        self.naks = 0

    def start(self, now: float) -> SenderOutput:
        self.state = "enq"
        self.deadline = now + self.reply_timeout
        return SenderOutput(send=ENQ)

    def on_byte(self, b: bytes, now: float) -> SenderOutput:
        if self.state == "enq":
            if b == ACK:
                self.state = "frames"
                self.index = 0
                self.retries = 0
                self.deadline = now + self.reply_timeout
                return SenderOutput(send=self.frames[0]) if self.frames else self._finish(True)
            if b == NAK:  # receiver busy: try again after 10 s
                self.state = "wait"
                self.deadline = now + 10.0
                return SenderOutput()
            if b == ENQ:  # contention
                self.state = "wait"
                self.deadline = now + (1.0 if self.role == "instrument" else 20.0)
                return SenderOutput()
            return SenderOutput()
        if self.state == "frames":
            if b in (ACK, EOT):  # EOT = receiver interrupt request; treated as ACK
                self.index += 1
                self.retries = 0
                self.deadline = now + self.reply_timeout
                if self.index >= len(self.frames):
                    return self._finish(True)
                return SenderOutput(send=self.frames[self.index])
            if b == NAK:
                self.naks += 1
                self.retries += 1
                if self.retries > self.max_retries:
                    return self._finish(False, "frame rejected 7 times: transfer aborted")
                self.deadline = now + self.reply_timeout
                return SenderOutput(send=self.frames[self.index])
        return SenderOutput()

    def tick(self, now: float) -> SenderOutput:
        if self.state == "wait" and now >= self.deadline:
            return self.start(now)
        if self.state in ("enq", "frames") and now >= self.deadline:
            return self._finish(False, "no reply from the receiver (timeout)")
        return SenderOutput()

    def _finish(self, ok: bool, error: str | None = None) -> SenderOutput:
        self.state = "done"
        return SenderOutput(send=EOT, done=True, ok=ok, error=error)
