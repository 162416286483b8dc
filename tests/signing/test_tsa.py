"""The local RFC 3161 TSA over HTTP: openssl accepts its tokens; client errors are clear."""
from __future__ import annotations

import hashlib
import http.server
import subprocess
import threading
from datetime import datetime, timezone

import pytest
import requests
from asn1crypto import tsp
from signing_helpers import PASS, PIN, Slot, make_pdf

from signing.ca import LocalCA
from signing.pades import SignerForSlot, SigningContext, TrustMaterial, sign_record
from signing.tsa import _RejectionResp, create_tsa_identity, http_timestamper, start_in_thread
from station.errors import SigningError


def _query(tmp_path, data: bytes) -> bytes:
    (tmp_path / "data.bin").write_bytes(data)
    subprocess.run(["openssl", "ts", "-query", "-data", str(tmp_path / "data.bin"), "-sha256",
                    "-cert", "-out", str(tmp_path / "req.tsq")], check=True, capture_output=True)
    return (tmp_path / "req.tsq").read_bytes()


@pytest.mark.parametrize("key_type", ["rsa", "ecdsa"])
def test_openssl_verifies_tokens(tmp_path, pki, key_type):
    authority = create_tsa_identity(tmp_path / key_type, pki.ca, PASS, key_type)
    with start_in_thread(authority) as running:
        reply = requests.post(running.url, data=_query(tmp_path, b"record bytes"),
                              headers={"Content-Type": "application/timestamp-query"}, timeout=5)
    assert reply.headers["Content-Type"] == "application/timestamp-reply"
    (tmp_path / "resp.tsr").write_bytes(reply.content)
    ca_dir = pki.ca.folder
    result = subprocess.run(
        ["openssl", "ts", "-verify", "-data", str(tmp_path / "data.bin"), "-in",
         str(tmp_path / "resp.tsr"), "-CAfile", str(ca_dir / LocalCA.ROOT_CERT),
         "-untrusted", str(ca_dir / LocalCA.ISSUING_CERT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Verification: OK" in result.stdout
    # A token for other data must not verify.
    (tmp_path / "data.bin").write_bytes(b"other bytes")
    bad = subprocess.run(
        ["openssl", "ts", "-verify", "-data", str(tmp_path / "data.bin"), "-in",
         str(tmp_path / "resp.tsr"), "-CAfile", str(ca_dir / LocalCA.ROOT_CERT),
         "-untrusted", str(ca_dir / LocalCA.ISSUING_CERT)], capture_output=True, text=True)
    assert bad.returncode != 0


def _request(nonce: int, algo: str = "sha256", digest: bytes | None = None) -> bytes:
    return tsp.TimeStampReq({
        "version": "v1",
        "message_imprint": {"hash_algorithm": {"algorithm": algo},
                            "hashed_message": digest or hashlib.sha256(b"x").digest()},
        "nonce": nonce, "cert_req": True,
    }).dump()


def test_nonce_echoed_serials_unique_and_bad_requests_rejected(pki):
    headers = {"Content-Type": "application/timestamp-query"}
    serials = set()
    for nonce in (1, 2, 3, 4, 5):
        body = requests.post(pki.tsa_url, data=_request(nonce), headers=headers, timeout=5).content
        resp = tsp.TimeStampResp.load(body)
        assert resp["status"]["status"].native == "granted"
        info = resp["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
        assert info["nonce"].native == nonce
        serials.add(info["serial_number"].native)
    assert len(serials) == 5
    bad = _RejectionResp.load(requests.post(
        pki.tsa_url, data=_request(9, "md5", b"\x00" * 16), headers=headers, timeout=5).content)
    assert bad["status"]["status"].native == "rejection"
    assert "bad_alg" in bad["status"]["fail_info"].native
    wrong_type = requests.post(pki.tsa_url, data=b"junk", headers={"Content-Type": "text/plain"},
                               timeout=5)
    assert wrong_type.status_code == 415


class _Liar(http.server.BaseHTTPRequestHandler):
    """Answers with a real token, but for another nonce (or with an HTTP error)."""

    upstream = ""
    mode = "nonce"

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.mode == "http500":
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        req = tsp.TimeStampReq.load(body)
        forged = tsp.TimeStampReq({"version": "v1", "message_imprint": req["message_imprint"],
                                   "nonce": req["nonce"].native + 1, "cert_req": True})
        reply = requests.post(self.upstream, data=forged.dump(),
                              headers={"Content-Type": "application/timestamp-query"}).content
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


def _sign_with(pki, url: str):
    slot = Slot("PhysicianReview", 0, (72.0, 100.0, 292.0, 170.0), "physician", "review")
    with pki.staff.open("li.doctor", PIN) as cred:
        ctx = SigningContext(TrustMaterial.from_ca_folder(pki.ca.folder),
                             http_timestamper(url, timeout=2))
        return sign_record(make_pdf("登记表"), [slot],
                           [SignerForSlot(slot.field_name, cred.signer, cred.certificate, "李医生")],
                           ctx)


@pytest.mark.parametrize("mode", ["nonce", "http500"])
def test_lying_or_failing_tsa_gives_clear_error(pki, mode):
    handler = type("H", (_Liar,), {"upstream": pki.tsa_url, "mode": mode})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(SigningError) as err:
            _sign_with(pki, f"http://127.0.0.1:{server.server_address[1]}/")
    finally:
        server.shutdown()
        server.server_close()
    assert err.value.code == "TSA_FAILED"
    assert "时间戳" in err.value.message_zh and "time stamp" in err.value.message_en


def test_unreachable_tsa_gives_clear_error(pki):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SigningError) as err:
        _sign_with(pki, f"http://127.0.0.1:{port}/")
    assert err.value.code == "TSA_FAILED"
    assert datetime.now(timezone.utc)  # the error is raised, not hung
