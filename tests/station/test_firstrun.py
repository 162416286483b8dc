"""The first-run set-up's checks and its configuration writing, against real SQLite, PostgreSQL, CA and TSA."""
from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from station.config import config_path, load_config
from station.errors import LocalizedError, StationError, ValidationError
from station.firstrun import (
    CAAnswers,
    SetupAnswers,
    SetupCheckFailed,
    SiteAnswers,
    apply_setup,
    check_centre_ca,
    check_database,
    check_records_store,
    check_tsa,
    normalise_database_url,
    validate_site,
    verify_chain_pem,
)

PG_URL = os.environ.get("STATION_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SITE = SiteAnswers(name="杭州市血液中心", facility_code="w1234", station_name="机采3号位", station_kind="chair")
PASSPHRASE = "centre-ca-passphrase"


@pytest.fixture
def pg_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A throw-away database of its own on the test server."""
    from sqlalchemy.exc import OperationalError

    from tests.station.conftest import pg_database as throwaway_database

    monkeypatch.setenv("STATION_TEST_PG_URL", PG_URL)
    with ExitStack() as stack:
        try:
            url = stack.enter_context(throwaway_database())
        except OperationalError as exc:
            pytest.skip(f"no PostgreSQL server at {PG_URL}: {exc}")
        yield url


@pytest.fixture
def centre_ca(tmp_path: Path) -> Path:
    from signing.ca import LocalCA

    folder = tmp_path / "centre-ca"
    LocalCA.create(folder, PASSPHRASE.encode(), "测试血液中心 CA")
    return folder


@pytest.fixture
def tsa_url(tmp_path: Path, centre_ca: Path) -> Iterator[str]:
    from signing.ca import LocalCA
    from signing.tsa import create_tsa_identity, start_in_thread

    authority = create_tsa_identity(tmp_path / "tsa", LocalCA.open(centre_ca, PASSPHRASE.encode()),
                                    PASSPHRASE.encode(), "ecdsa", datetime.now(UTC))
    running = start_in_thread(authority, "127.0.0.1", 0)
    yield running.url
    running.stop()


LOCAL_CA = CAAnswers(passphrase="typed by the operator 2026", passphrase_again="typed by the operator 2026")


def test_site_answers_are_checked_and_trimmed() -> None:
    site = validate_site(replace(SITE, name="  杭州市血液中心 "))
    assert (site.name, site.facility_code) == ("杭州市血液中心", "W1234")
    with pytest.raises(ValidationError) as bad:
        validate_site(replace(SITE, facility_code="O1234"))
    assert "机构代码" in bad.value.message_zh and "facility code" in bad.value.message_en
    with pytest.raises(ValidationError, match="name"):
        validate_site(replace(SITE, name=" "))


def test_sqlite_setup_writes_a_configuration_the_station_opens(tmp_path: Path) -> None:
    data = tmp_path / "data"
    check = check_database("", data)
    assert check.engine == "sqlite" and not check.has_schema
    result = apply_setup(SetupAnswers(site=SITE, ca=LOCAL_CA), data)
    assert result.admin_password and result.config_file == config_path(data)
    config = load_config(data)
    assert (config.site.name, config.site.facility_code, config.station.name) == ("杭州市血液中心", "W1234", "机采3号位")
    assert config.database.url == "" and (data / "station.db").exists()
    assert (config.ca_dir / "root.cert.pem").exists() and (config.tsa_dir / "ecdsa" / "tsa.key.pem").exists()
    # the production default: the passphrase is typed at every start and stored nowhere
    assert config.ca.unlock == "prompt" and not config.ca.demo
    assert not config.ca_passphrase_file.exists() and not (data / "pki" / "DEMO-KEYS-README.txt").exists()
    assert not any(LOCAL_CA.passphrase.encode() in p.read_bytes() for p in data.rglob("*") if p.is_file())
    from station.context import open_context
    from station.services.users import authenticate

    ctx = open_context(data)
    try:
        actor, must_change = authenticate(ctx, "admin", result.admin_password)
        assert actor.username == "admin" and must_change
    finally:
        ctx.close()
    with pytest.raises(SetupCheckFailed, match="already set up"):
        apply_setup(SetupAnswers(site=SITE, ca=LOCAL_CA), data)


def test_postgresql_url_is_tested_and_used(tmp_path: Path, pg_database: str) -> None:
    check = check_database(pg_database.replace("postgresql+psycopg://", "postgresql://"), tmp_path)
    assert check.engine == "postgresql" and check.server_version[:2].isdigit() and not check.has_schema
    assert check.url == pg_database  # postgresql:// is configured with the psycopg driver
    apply_setup(SetupAnswers(site=SITE, database_url=pg_database, ca=LOCAL_CA), tmp_path / "data")
    assert load_config(tmp_path / "data").database.url == pg_database
    assert check_database(pg_database, tmp_path).has_schema  # the next station joins this database


@pytest.mark.parametrize(("url", "zh", "en"), [
    ("postgresql+psycopg://postgres@127.0.0.1:1/postgres", "服务器无应答", "does not answer"),
    ("postgresql+psycopg://postgres@127.0.0.1:5432/no_such_station_db", "数据库不存在", "does not exist"),
    ("mysql://station@server/station", "不支持", "Unsupported database"),
    ("station@server/station", "格式不正确", "Not a database URL"),
    ("postgresql+psycopg://", "须包含服务器", "names the server"),
])
def test_a_wrong_database_url_says_why(tmp_path: Path, url: str, zh: str, en: str) -> None:
    if "5432" in url:
        pytest.importorskip("psycopg")
    with pytest.raises(SetupCheckFailed) as failed:
        check_database(url, tmp_path)
    assert zh in failed.value.message("zh_CN") and en in failed.value.message("en")
    assert "Traceback" not in failed.value.message("en")


def test_a_failed_setup_leaves_the_data_folder_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import station.bootstrap as bootstrap

    data = tmp_path / "data"
    data.mkdir()

    def broken(*_a: object, **_k: object) -> None:
        raise StationError("数据库在初始化时断开", "the database went away during set-up")

    monkeypatch.setattr(bootstrap, "ensure_schema_current", broken)
    with pytest.raises(StationError, match="went away"):
        apply_setup(SetupAnswers(site=SITE, ca=LOCAL_CA), data)
    assert sorted(p.name for p in data.iterdir()) == ["archive-store"]  # the checked store folder only
    monkeypatch.undo()
    apply_setup(SetupAnswers(site=SITE, ca=LOCAL_CA), data)  # and a second attempt simply works
    assert load_config(data).site.facility_code == "W1234"


def test_records_store_folder_must_take_files(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    assert check_records_store(folder.as_uri(), tmp_path).location == str(folder)
    assert folder.is_dir() and not any(folder.iterdir())  # the probe file is gone again
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder")
    with pytest.raises(SetupCheckFailed) as failed:
        check_records_store((in_the_way / "store").as_uri(), tmp_path)
    assert "not writable" in failed.value.message("en") and "不可写" in failed.value.message("zh_CN")
    with pytest.raises(SetupCheckFailed, match="absolute path"):
        check_records_store("file:records", tmp_path)
    with pytest.raises(SetupCheckFailed, match="Unsupported records store URL"):
        check_records_store("ftp://archive/records", tmp_path)
    with pytest.raises(SetupCheckFailed, match="names no bucket"):
        check_records_store("s3:///records", tmp_path)


def test_s3_store_that_does_not_answer_is_refused(tmp_path: Path) -> None:
    from devices.transport import free_tcp_port
    from station.firstrun import S3Settings

    s3 = S3Settings(endpoint=f"http://127.0.0.1:{free_tcp_port()}", access_key="k", secret_key="s")
    with pytest.raises(SetupCheckFailed) as failed:
        check_records_store("s3://records/station", tmp_path, s3)
    assert "cannot be reached" in failed.value.message("en") and "无法访问" in failed.value.message("zh_CN")


def test_centre_chain_verifies_and_a_mixed_chain_does_not(tmp_path: Path, centre_ca: Path) -> None:
    from signing.ca import LocalCA

    check = check_centre_ca(str(centre_ca), PASSPHRASE)
    assert "测试血液中心" in check.root_subject and len(check.root_sha256) == 64
    other = tmp_path / "other-ca"
    LocalCA.create(other, PASSPHRASE.encode(), "另一个 CA")
    # an issuing certificate from another CA under this root: the signature does not verify
    forged = tmp_path / "forged"
    forged.mkdir()
    for name in (LocalCA.ROOT_CERT, LocalCA.ROOT_KEY, LocalCA.INDEX):
        (forged / name).write_bytes((centre_ca / name).read_bytes())
    for name in (LocalCA.ISSUING_CERT, LocalCA.ISSUING_KEY):
        (forged / name).write_bytes((other / name).read_bytes())
    with pytest.raises(SetupCheckFailed) as failed:
        check_centre_ca(str(forged), PASSPHRASE)
    assert "does not verify" in failed.value.message("en") and "验证失败" in failed.value.message("zh_CN")
    with pytest.raises(SetupCheckFailed, match="Wrong CA passphrase"):
        check_centre_ca(str(centre_ca), "not-the-passphrase")
    (forged / LocalCA.ISSUING_KEY).unlink()
    with pytest.raises(SetupCheckFailed, match=r"lacks: issuing\.key\.pem"):
        check_centre_ca(str(forged), PASSPHRASE)


def test_chain_pem_refuses_garbage_and_expired_certificates(centre_ca: Path) -> None:
    from signing.ca import LocalCA

    pem = (centre_ca / LocalCA.ISSUING_CERT).read_bytes() + (centre_ca / LocalCA.ROOT_CERT).read_bytes()
    assert len(verify_chain_pem(pem)) == 2
    with pytest.raises(SetupCheckFailed, match="not valid PEM"):
        verify_chain_pem(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    with pytest.raises(SetupCheckFailed, match="not valid now"):
        verify_chain_pem(pem, datetime(2100, 1, 1, tzinfo=UTC))
    with pytest.raises(SetupCheckFailed, match="does not verify"):  # root first: the order matters
        verify_chain_pem((centre_ca / LocalCA.ROOT_CERT).read_bytes() + (centre_ca / LocalCA.ISSUING_CERT).read_bytes())


def test_tsa_url_must_answer_rfc3161(tsa_url: str) -> None:
    from devices.transport import free_tcp_port

    check = check_tsa(tsa_url)
    assert abs((datetime.now(UTC) - check.gen_time).total_seconds()) < 60
    assert "Issuing" not in check.tsa_subject and check.tsa_subject.startswith("CN=")  # the signer, not its CA
    with pytest.raises(SetupCheckFailed, match="gave no valid reply"):
        check_tsa(f"http://127.0.0.1:{free_tcp_port()}/tsa", timeout=2)
    with pytest.raises(ValidationError, match="http:// or https://"):
        check_tsa("tsa.centre.local")


def test_centre_ca_setup_signs_records_under_the_centre(tmp_path: Path, centre_ca: Path, tsa_url: str) -> None:
    data = tmp_path / "data"
    answers = SetupAnswers(site=SITE, ca=CAAnswers(mode="centre", directory=str(centre_ca), passphrase=PASSPHRASE,
                                                   tsa_url=tsa_url))
    apply_setup(answers, data)
    raw = tomllib.loads(config_path(data).read_text("utf-8"))
    assert raw["ca"]["directory"] == str(centre_ca) and raw["tsa"]["url"] == tsa_url
    config = load_config(data)
    assert not config.ca_passphrase_file.exists() and config.ca.unlock == "prompt"  # typed at start, not stored
    assert not (config.tsa_dir).exists()  # no local time stamp identity: the centre's TSA is used
    from station.context import open_context
    from station.services.pki import signing_locked, unlock_signing

    ctx = open_context(data)
    try:
        assert signing_locked(ctx)
        with pytest.raises(LocalizedError) as wrong:
            unlock_signing(ctx, "not the passphrase")
        assert wrong.value.code == "CA_PASSPHRASE" and signing_locked(ctx)
        unlock_signing(ctx, PASSPHRASE)  # the station can issue donor certificates
        assert not signing_locked(ctx)
    finally:
        ctx.close()


def test_demo_custody_says_so(tmp_path: Path) -> None:
    data = tmp_path / "data"
    apply_setup(SetupAnswers(site=SITE, ca=CAAnswers(custody="demo")), data)
    config = load_config(data)
    assert config.ca.demo and config.ca.unlock == "file" and config.ca_passphrase_file.exists()
    marker = (data / "pki" / "DEMO-KEYS-README.txt").read_text("utf-8")
    assert "演示" in marker and "Do not use it for real donation records" in marker


def test_a_short_or_mistyped_passphrase_is_refused(tmp_path: Path) -> None:
    for ca in (CAAnswers(passphrase="short", passphrase_again="short"),
               CAAnswers(passphrase="long enough passphrase", passphrase_again="long enough passphrasf")):
        with pytest.raises(ValidationError):
            apply_setup(SetupAnswers(site=SITE, ca=ca), tmp_path / "data")
    assert not config_path(tmp_path / "data").exists()


def test_centre_ca_needs_its_tsa_and_nothing_is_written_without(tmp_path: Path, centre_ca: Path) -> None:
    data = tmp_path / "data"
    answers = SetupAnswers(site=SITE, ca=CAAnswers(mode="centre", directory=str(centre_ca), passphrase=PASSPHRASE))
    with pytest.raises(ValidationError, match="time stamp service"):
        apply_setup(answers, data)
    assert not config_path(data).exists() and not (data / "pki").exists()


def test_normalised_urls() -> None:
    assert normalise_database_url(" ") == ""
    assert normalise_database_url("postgresql://u:p@db/station") == "postgresql+psycopg://u:p@db/station"
    assert normalise_database_url("sqlite:////srv/station.db") == "sqlite:////srv/station.db"


@pytest.fixture
def s3_endpoint() -> Iterator[str]:
    pytest.importorskip("moto")
    from tests.moto_s3 import moto_s3_server

    with moto_s3_server({"records": True, "scratch": False}) as url:
        yield url


def test_s3_store_is_reachable_and_write_once(tmp_path: Path, s3_endpoint: str) -> None:
    from station.firstrun import S3Settings

    s3 = S3Settings(endpoint=s3_endpoint, access_key="testing", secret_key="testing")
    check = check_records_store("s3://records/station-3", tmp_path, s3)
    assert check.kind == "s3" and "records/station-3" in check.location
    with pytest.raises(SetupCheckFailed) as unlocked:
        check_records_store("s3://scratch/station-3", tmp_path, s3)
    assert "no object lock" in unlocked.value.message("en") and "对象锁定" in unlocked.value.message("zh_CN")
    with pytest.raises(SetupCheckFailed, match="cannot be reached"):
        check_records_store("s3://no-such-bucket/x", tmp_path, s3)


def test_a_program_without_the_postgresql_driver_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    for name in [m for m in sys.modules if m == "psycopg" or m.startswith("psycopg.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg raises ImportError
    with pytest.raises(SetupCheckFailed) as failed:
        check_database("postgresql+psycopg://station@db/station", tmp_path)
    assert "without the PostgreSQL driver" in failed.value.message("en") and "psycopg" in failed.value.message("zh_CN")
