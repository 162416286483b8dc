"""SQL-injection-shaped and wildcard input in every search field is treated as text."""
from __future__ import annotations

import random

import pytest

from station.errors import ValidationError
from station.services import donations as dn
from station.services import donors as dr
from tests.multistation.helpers import donor_input, new_donation, open_station, staff

NASTY = ["' OR 1=1 --", "' OR '1'='1", "%", "_", "%%", "\\", "'", '"', "'; DROP TABLE donor; --", "王%", "_伟",
         "1' UNION SELECT id_number_cipher FROM donor --"]


@pytest.fixture(scope="module")
def populated(station_db):
    ctx = open_station(station_db.data_dir, "desk-0")
    try:
        actors, _ = staff(ctx)
        rng = random.Random(88)
        reg = actors["registrar"]
        names = {n: dr.register_donor(ctx, reg, donor_input(rng, name=n))["donor_id"]
                 for n in ("王伟", "王芳", "%特殊", "_下划", "O'Brien", "李\\斜")}
        new_donation(ctx, actors, rng)
    finally:
        ctx.close()
    return actors, names


def _total_donors(ctx, actor) -> int:
    return len(dr.search_donors(ctx, actor, limit=10_000))


@pytest.mark.parametrize("text", NASTY)
def test_name_search_matches_literally(ctx, populated, text: str) -> None:
    actors, names = populated
    reg = actors["registrar"]
    found = {d["name"] for d in dr.search_donors(ctx, reg, name=text)}
    expected = {n for n in names if n.startswith(text.strip())} if text.strip() else set()
    # every hit really starts with the text as typed (no wildcard, no OR), and the literal matches are found
    assert all(n.startswith(text.strip()) for n in found), found
    assert expected <= found
    assert len(found) < _total_donors(ctx, reg)


def test_wildcards_find_only_names_that_contain_them(ctx, populated) -> None:
    reg = populated[0]["registrar"]
    assert [d["name"] for d in dr.search_donors(ctx, reg, name="%")] == ["%特殊"]
    assert [d["name"] for d in dr.search_donors(ctx, reg, name="_")] == ["_下划"]
    assert [d["name"] for d in dr.search_donors(ctx, reg, name="O'")] == ["O'Brien"]
    assert [d["name"] for d in dr.search_donors(ctx, reg, name="李\\")] == ["李\\斜"]


@pytest.mark.parametrize("text", NASTY)
def test_id_phone_and_din_fields(ctx, populated, text: str) -> None:
    reg = populated[0]["registrar"]
    assert dr.search_donors(ctx, reg, phone=text) == []
    for field in ("id_number", "din"):
        try:
            hits = dr.search_donors(ctx, reg, **{field: text})
        except ValidationError as exc:  # refused as a malformed number, in words, not as a database error
            assert exc.code in ("INVALID_ID_NUMBER", "INVALID_DIN", "INVALID_INPUT") or exc.message_en
            continue
        assert hits == []
    with pytest.raises(ValidationError):
        dr.find_donor(ctx, reg, text)


@pytest.mark.parametrize("text", NASTY)
def test_donation_list_filters(ctx, populated, text: str) -> None:
    reg = populated[0]["registrar"]
    assert dn.list_donations(ctx, reg, states=(text,)) == []
    assert len(dn.list_donations(ctx, reg, states=("registered", text))) >= 1


@pytest.mark.parametrize("text", NASTY)
def test_archive_search_fields(ctx, populated, text: str) -> None:
    from station.security import SYSTEM
    from station.services.archiving.search import search_archive

    archivist = SYSTEM  # admin may view the archive
    for field in ("name", "id_number", "din"):
        assert search_archive(ctx, archivist, **{field: text}) == []


def test_tables_survive(ctx, populated) -> None:
    reg = populated[0]["registrar"]
    for text in NASTY:
        dr.search_donors(ctx, reg, name=text)
    assert _total_donors(ctx, reg) >= 6
