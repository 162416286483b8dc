"""The command line as a user runs it (subprocesses): init, the headless demo twice on one folder, donor
register/show, and refusals that print a message (never a traceback) and exit non-zero."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.station.conftest import INITIAL_ADMIN_PASSWORD, PG_MODE, password_file, pg_database, run_cli
from tests.station.flow import PASSWORD, id_number


@pytest.fixture(scope="module")
def module_db() -> Iterator[dict[str, str]]:
    """The environment for `station init` of a module-wide installation (its own database on PostgreSQL)."""
    if not PG_MODE:
        yield {}
        return
    with pg_database() as url:
        yield {"STATION_DATABASE_URL": url}


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory: pytest.TempPathFactory, module_db: dict[str, str]) -> tuple[Path, dict, dict]:
    data = tmp_path_factory.mktemp("cli-demo") / "data"
    init = run_cli("init", "--no-ca", "--demo", "--json", data_dir=data, env=module_db, user=None)
    assert init.returncode == 0, init.stderr
    info = json.loads(init.stdout)
    assert info["created"] is True and info["admin_password"]
    first = run_cli("demo", "--headless", "--donations", "20", "--json", "--no-sign", "--seed", "1", data_dir=data,
                    user=None)  # a demo folder: the demo runs as its demo staff, without asking
    assert first.returncode == 0, first.stderr
    second = run_cli("demo", "--headless", "--donations", "20", "--json", "--no-sign", "--seed", "2", data_dir=data,
                     user=None)
    assert second.returncode == 0, second.stderr
    return data, json.loads(first.stdout), json.loads(second.stdout)


@pytest.fixture(scope="module")
def inited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    if PG_MODE:
        with pg_database() as url:
            yield _init(tmp_path_factory.mktemp("cli-init") / "data", {"STATION_DATABASE_URL": url})
    else:
        yield _init(tmp_path_factory.mktemp("cli-init") / "data", {})


def _init(data: Path, env: dict[str, str]) -> Path:
    out = run_cli("init", "--no-ca", "--admin-password", INITIAL_ADMIN_PASSWORD, data_dir=data, env=env, user=None)
    assert out.returncode == 0, out.stderr
    # the forced first change, as a script makes it
    new = password_file(PASSWORD)
    changed = run_cli("passwd", "--new-password-file", str(new), data_dir=data, password=INITIAL_ADMIN_PASSWORD)
    assert changed.returncode == 0, changed.stderr
    return data


def test_init_prints_where_everything_is(tmp_path: Path) -> None:
    home = tmp_path / "home"
    out = run_cli("init", "--no-ca", env={"STATION_HOME": str(home)}, user=None)  # no --data-dir: STATION_HOME
    assert out.returncode == 0, out.stderr
    assert str(home / "station.toml") in out.stdout and "admin /" in out.stdout
    assert (home / "station.toml").exists() and (home / "keys" / "pii.key").exists()
    again = run_cli("init", "--no-ca", "--json", data_dir=home, user=None)
    assert again.returncode == 0 and json.loads(again.stdout)["created"] is False
    assert json.loads(again.stdout)["admin_password"] is None


def test_demo_figures_add_up(demo_runs: tuple[Path, dict, dict]) -> None:
    _, first, second = demo_runs
    assert first["donations"] == 20 and first["refused_interval"] == 0
    for run in (first, second):
        # a returning donor who donated in the first run is refused at registration (interval: hard stop)
        assert run["donations"] + run["refused_interval"] == 20
        assert run["deferred"] + run["sealed"] + run["aborted"] == run["donations"]
        assert run["deferred"] >= 1 and run["sealed"] >= 1
        assert {"donations", "deferred", "aborted", "collected", "sealed"} <= set(run)
    assert first["adverse_reactions"] >= 1
    assert second["returning_donors"] >= 1, "the second run should bring earlier donors back"


def test_second_demo_keeps_earlier_donations_and_intervals(demo_runs: tuple[Path, dict, dict]) -> None:
    from station.context import open_context
    from station.services.donors import donor_summary
    from station.services.users import user_actor

    data, _, second = demo_runs
    ctx = open_context(data)
    try:
        with ctx.transaction() as s:
            from sqlalchemy import func, select

            from station.models import Donation, DonationHistory

            # donors with two local donations on one day: only those whose first was not collected
            twice = s.execute(select(Donation.donor_id).group_by(Donation.donor_id)
                              .having(func.count() > 1)).scalars().all()
            collected_first = set(s.execute(select(DonationHistory.donor_id)
                                            .where(DonationHistory.source == "local")).scalars())
            total = s.execute(select(func.count()).select_from(Donation)).scalar_one()
        assert total == 40 - second["refused_interval"]
        assert not set(twice) & collected_first, "a donor who donated today was registered again"
        admin = user_actor(ctx, "admin")
        for donor_id in collected_first:
            summary = donor_summary(ctx, admin, donor_id)
            assert summary["history"], "the earlier donation is in the donor's history"
            assert summary["next_eligible"]["apheresis_platelets"] > ctx.today().isoformat()
    finally:
        ctx.close()


def test_donor_register_and_show(inited: Path) -> None:
    from datetime import date

    data = inited
    number = id_number(date(1990, 4, 1), "female")
    reg = run_cli("donor", "register", "--id-number", number, "--name", "林晓燕", "--phone", "13900001111",
                  "--json", data_dir=data)
    assert reg.returncode == 0, reg.stderr
    out = json.loads(reg.stdout)
    assert out["created"] is True and out["id_number_masked"] == number[:6] + "********" + number[-4:]
    again = run_cli("donor", "register", "--id-number", number, "--name", "林晓燕", "--json", data_dir=data)
    assert json.loads(again.stdout)["created"] is False
    show = run_cli("donor", "show", "--id-number", number, "--json", data_dir=data)
    assert show.returncode == 0, show.stderr
    summary = json.loads(show.stdout)
    assert (summary["name"], summary["sex"], summary["birth_date"]) == ("林晓燕", "female", "1990-04-01")
    assert summary["history"] == [] and summary["deferrals"] == []
    assert set(summary["next_eligible"]) == {"apheresis_platelets", "apheresis_plasma", "whole_blood"}
    assert number not in show.stdout  # masked only
    human = run_cli("donor", "show", "--id-number", number, data_dir=data)
    assert human.returncode == 0 and "林晓燕" in human.stdout and "next apheresis_platelets" in human.stdout


@pytest.mark.parametrize("args,message", [
    (["donor", "register", "--id-number", "110101199003077775", "--name", "张三"], "check digit is wrong"),
    (["donor", "register", "--id-number", "12345", "--name", "张三"], "18 characters"),
    (["donor", "show", "--id-number", "110101199003077774"], "No donor with that ID number"),
])
def test_refusals_print_a_message_not_a_traceback(inited: Path, args: list[str], message: str) -> None:
    out = run_cli(*args, data_dir=inited)
    assert out.returncode == 1
    assert message in out.stderr
    assert "Traceback" not in out.stderr + out.stdout


def test_messages_in_chinese_by_default(inited: Path) -> None:
    out = run_cli("donor", "register", "--id-number", "110101199003077775", "--name", "张三", data_dir=inited,
                  env={"STATION_LANG": "zh_CN"})
    assert out.returncode == 1 and "校验位错误" in out.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    out = run_cli("demo", "--headless", "--donations", "0", data_dir=tmp_path / "d", user=None)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    out = run_cli("donor", "show", "--id-number", "110101199003077774", data_dir=tmp_path / "missing")
    assert out.returncode == 2 and "station init" in out.stderr and "Traceback" not in out.stderr
