"""Separator run files from a watched folder (issue 20, deliverable 8) and the summary's plausibility.

The layouts below are written for the test after the fields of standards.md section 5 (no vendor's
export format is public): they check the mapping machinery, not a vendor's file."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from devices.base import wait_until
from devices.registry import create_device
from devices.separator.folder import MappingError, RunFileMapping, RunFolderWorker, is_temporary
from devices.separator.model import ProcedureSummary, SeparatorDataError

CSV_OPTIONS = {
    "format": "csv", "delimiter": ";", "decimal_comma": True, "time_format": "%d.%m.%Y %H:%M",
    "timezone": "+08:00",
    "fields": {"device_serial": "Serial", "kit_lot": "Set lot", "ac_lot": "AC lot", "started_at": "Start",
               "ended_at": "End", "run_time_min": "Run time", "whole_blood_processed_ml": "WB processed",
               "ac_used_ml": "AC used", "ac_to_donor_ml": "AC to donor", "platelet_volume_ml": "PLT volume",
               "platelet_yield_e11": "PLT yield", "plasma_volume_ml": "Plasma", "rinseback_completed": "Rinseback",
               "donation_id": "DIN"},
    "units": {"whole_blood_processed_ml": "L", "platelet_yield_e11": "e9", "run_time_min": "s"},
    "constants": {"procedure_type": "platelets", "kit_catalogue": "80300"},
}
HEADER = "Serial;Set lot;AC lot;Start;End;Run time;WB processed;AC used;AC to donor;PLT volume;PLT yield;Plasma;Rinseback;DIN\n"


def csv_row(start: datetime, *, minutes: float = 62, span: float = 75, din: str = "W000025000001",
            yield_e9: str = "320") -> str:
    local = start.astimezone(UTC) + timedelta(hours=8)
    end = local + timedelta(minutes=span)
    return (f"1T01234;2405A117;ACD2406-03;{local:%d.%m.%Y %H:%M};{end:%d.%m.%Y %H:%M};{minutes * 60:g};2,6;236;"
            f"184;250;{yield_e9};0;yes;{din}\n")


def recent(hours: float = 3) -> datetime:
    return (datetime.now(UTC) - timedelta(hours=hours)).replace(second=0, microsecond=0)


def test_csv_mapping_units_decimal_comma_and_local_times() -> None:
    start = recent()
    [s] = RunFileMapping.from_options(CSV_OPTIONS).summaries((HEADER + csv_row(start)).encode())
    assert (s.device_serial, s.kit_lot, s.ac_lot, s.donation_id) == ("1T01234", "2405A117", "ACD2406-03",
                                                                     "W000025000001")
    assert s.started_at == start and s.ended_at == start + timedelta(minutes=75)
    assert s.started_at.utcoffset() == timedelta(hours=8)
    assert s.run_time_min == 62 and s.whole_blood_processed_ml == 2600 and s.ac_used_ml == 236
    assert s.platelet_yield_e11 == pytest.approx(3.2) and s.rinseback_completed is True
    assert (s.procedure_type, s.kit_catalogue) == ("platelets", "80300")
    assert s.plausibility_prompts() == []


def test_xml_mapping_with_attributes() -> None:
    start = recent()
    xml = textwrap.dedent(f"""\
        <?xml version="1.0" encoding="utf-8"?>
        <Export><Procedure serial="1T01234" din="W000025000002">
          <Start>{start.isoformat()}</Start><End>{(start + timedelta(minutes=70)).isoformat()}</End>
          <RunTime>61</RunTime><Processed unit="mL">2500</Processed><AC>230</AC><ACDonor>180</ACDonor>
          <Product><Volume>240</Volume><Yield>3.1</Yield></Product><Plasma>0</Plasma>
          <Lots><Set>2405A117</Set><AC>ACD2406-03</AC></Lots><Rinseback>1</Rinseback>
        </Procedure></Export>""")
    options = {"format": "xml", "record": "Procedure", "constants": {"procedure_type": "platelets",
                                                                     "kit_catalogue": "80300"},
               "fields": {"device_serial": "@serial", "donation_id": "@din", "started_at": "Start",
                          "ended_at": "End", "run_time_min": "RunTime", "whole_blood_processed_ml": "Processed",
                          "ac_used_ml": "AC", "ac_to_donor_ml": "ACDonor", "platelet_volume_ml": "Product/Volume",
                          "platelet_yield_e11": "Product/Yield", "plasma_volume_ml": "Plasma",
                          "kit_lot": "Lots/Set", "ac_lot": "Lots/AC", "rinseback_completed": "Rinseback"}}
    [s] = RunFileMapping.from_options(options).summaries(xml.encode())
    assert (s.device_serial, s.donation_id, s.platelet_volume_ml, s.platelet_yield_e11) == (
        "1T01234", "W000025000002", 240, 3.1)
    assert s.ended_at - s.started_at == timedelta(minutes=70)


@pytest.mark.parametrize("options,match", [
    ({"format": "pdf", "fields": {"device_serial": "S"}}, "csv or xml"),
    ({"fields": {"colour": "C"}}, "unknown fields"),
    ({"fields": {"ac_used_ml": "A"}, "units": {"ac_used_ml": "gallon"}}, "unit 'gallon'"),
    ({"fields": {"started_at": "S"}, "timezone": "Beijing"}, "timezone"),
    ({"fields": {}}, "names no fields"),
])
def test_a_bad_mapping_is_a_configuration_error(options, match) -> None:
    with pytest.raises(MappingError, match=match):
        RunFileMapping.from_options(options)
    with pytest.raises(MappingError):
        create_device("separator", "folder", "/tmp", "sep", options)


# -- plausibility --------------------------------------------------------------------------------
def summary_json(start: datetime, **changes) -> dict:
    base = {"procedure_type": "platelets", "device_serial": "1T01234", "kit_catalogue": "80300",
            "kit_lot": "L1", "ac_lot": "A1", "started_at": start.isoformat(),
            "ended_at": (start + timedelta(minutes=75)).isoformat(), "run_time_min": 62,
            "whole_blood_processed_ml": 2600, "ac_used_ml": 236, "ac_to_donor_ml": 184, "platelet_volume_ml": 250,
            "platelet_yield_e11": 3.2, "plasma_volume_ml": 0, "post_count": 180, "post_hct": 0.41, "operator": "",
            "rinseback_completed": True, "alarms": []}
    return {**base, **changes}


@pytest.mark.parametrize("changes,match", [
    ({"started_at": "0001-01-01T08:00:00+08:00"}, "not a time|before 2000"),
    ({"started_at": "1970-01-01T00:00:00+00:00"}, "before 2000"),
    ({"run_time_min": 480}, "longer than the 75 min"),
    ({"ac_to_donor_ml": 300}, "more than the AC used"),
    ({"ac_used_ml": 3000}, "more than the whole blood processed"),
    ({"platelet_yield_e11": 19.0}, "impossible from 2600 mL"),
    ({"whole_blood_processed_ml": 0, "ac_used_ml": 0, "ac_to_donor_ml": 0, "platelet_volume_ml": 0},
     "impossible from 0 mL"),
    ({"platelet_volume_ml": 1900, "plasma_volume_ml": 1900}, "more than the blood and AC"),
])
def test_impossible_summaries_are_refused(changes, match) -> None:
    with pytest.raises(SeparatorDataError, match=match):
        ProcedureSummary.from_json(summary_json(recent(), **changes))


def test_a_70_minute_run_over_480_minutes_asks_the_nurse_to_confirm() -> None:
    start = recent(10)
    s = ProcedureSummary.from_json(summary_json(start, run_time_min=70,
                                                ended_at=(start + timedelta(minutes=480)).isoformat()))
    [prompt] = s.plausibility_prompts()
    assert prompt["code"] == "SEPARATOR_SPAN_LONG" and "480 min" in prompt["message_en"]
    assert "请核对" in prompt["message_zh"] and s.to_json()["needs_confirmation"] == [prompt]
    high = ProcedureSummary.from_json(summary_json(recent(), platelet_yield_e11=8.0))
    assert [p["code"] for p in high.plausibility_prompts()] == ["SEPARATOR_YIELD_HIGH"]


def test_a_summary_from_the_future_is_refused_with_the_clock_moved() -> None:
    start = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    data = summary_json(start)
    with time_machine.travel(start + timedelta(minutes=60), tick=False):  # the run "ends" 15 min from now
        with pytest.raises(SeparatorDataError, match="in the future"):
            ProcedureSummary.from_json(data)
    with time_machine.travel(start + timedelta(minutes=80), tick=False):
        assert ProcedureSummary.from_json(data).run_time_min == 62


# -- the watched folder --------------------------------------------------------------------------
def folder_worker(path: Path, collector, **extra) -> RunFolderWorker:
    worker = create_device("separator", "folder", str(path), "trima-export",
                           {**CSV_OPTIONS, "pattern": "*.csv", "poll_interval": 0.05, "settle_seconds": 0.4,
                            **extra}, **collector.kwargs())
    assert isinstance(worker, RunFolderWorker)
    return worker


def test_each_file_is_taken_once_and_moved(tmp_path: Path, collector) -> None:
    (tmp_path / "run1.csv").write_text(HEADER + csv_row(recent(), din="W000025000011"), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a run file", encoding="utf-8")
    worker = folder_worker(tmp_path, collector)
    worker.start()
    try:
        event = collector.next()
        assert event.type == "summary" and event.payload.donation_id == "W000025000011"
        assert event.to_json()["event"] == "separator_summary"
        assert wait_until(lambda: (tmp_path / "processed" / "run1.csv").exists(), 5)
        assert not (tmp_path / "run1.csv").exists() and (tmp_path / "notes.txt").exists()
        # the same name again (the next export) is a new file, kept beside the first
        (tmp_path / "run1.csv").write_text(HEADER + csv_row(recent(), din="W000025000012"), encoding="utf-8")
        assert collector.next().payload.donation_id == "W000025000012"
        assert wait_until(lambda: (tmp_path / "processed" / "run1.1.csv").exists(), 5)
        assert collector.none_within(0.5)
        assert any(r.parsed.get("file") == "run1.csv" for r in collector.raws)
    finally:
        worker.stop()


def test_a_file_being_written_is_not_read_early(tmp_path: Path, collector) -> None:
    """A separate process writes the export slowly (header, a pause, the row): nothing is read until
    the file has stayed unchanged for settle_seconds, and then it is read whole."""
    worker = folder_worker(tmp_path, collector)
    worker.start()
    row = csv_row(recent(), din="W000025000013")
    writer = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        with open(sys.argv[1], "w", encoding="utf-8") as f:
            f.write({HEADER!r}); f.flush(); time.sleep(0.3)
            f.write({row[:30]!r}); f.flush(); time.sleep(0.3)
            f.write({row[30:]!r}); f.flush()
        """), str(tmp_path / "slow.csv")])
    try:
        assert collector.none_within(0.7)  # still being written: nothing taken
        writer.wait(10)
        event = collector.next()
        assert event.payload.donation_id == "W000025000013" and event.payload.platelet_yield_e11 == pytest.approx(3.2)
        assert not list((tmp_path / "failed").iterdir())
    finally:
        writer.kill()
        worker.stop()


def test_temporary_names_are_never_read(tmp_path: Path, collector) -> None:
    assert all(is_temporary(n) for n in ("~run.csv", ".run.csv", "run.csv.tmp", "run.part", "x.crdownload"))
    assert not is_temporary("run.csv")
    (tmp_path / "run2.csv.part").write_text(HEADER + csv_row(recent(), din="W000025000014"), encoding="utf-8")
    (tmp_path / "~run2.csv").write_text(HEADER + csv_row(recent(), din="W000025000014"), encoding="utf-8")
    worker = folder_worker(tmp_path, collector)
    worker.start()
    try:
        assert collector.none_within(1.0)
        (tmp_path / "run2.csv.part").rename(tmp_path / "run2.csv")  # the exporter's final rename
        assert collector.next().payload.donation_id == "W000025000014"
        assert (tmp_path / "~run2.csv").exists()
    finally:
        worker.stop()


def test_a_refused_file_goes_to_failed_with_its_reason_and_the_next_is_taken(tmp_path: Path, collector) -> None:
    (tmp_path / "a-bad.csv").write_text(HEADER + csv_row(recent(), minutes=480), encoding="utf-8")
    (tmp_path / "b-year1.csv").write_text(HEADER + "1T;L;A;01.01.0001 00:00;01.01.0001 01:00;3600;2,6;236;184;250;"
                                          "320;0;yes;W1\n", encoding="utf-8")
    (tmp_path / "c-good.csv").write_text(HEADER + csv_row(recent(), din="W000025000015"), encoding="utf-8")
    worker = folder_worker(tmp_path, collector)
    worker.start()
    try:
        assert collector.next().payload.donation_id == "W000025000015"
        assert wait_until(lambda: len(list((tmp_path / "failed").glob("*.reason.txt"))) == 2, 5)
        reason = (tmp_path / "failed" / "a-bad.csv.reason.txt").read_text(encoding="utf-8")
        assert "run 1: run time 480 min is longer than the 75 min" in reason
        assert "year" in (tmp_path / "failed" / "b-year1.csv.reason.txt").read_text(encoding="utf-8") or \
            "not a time" in (tmp_path / "failed" / "b-year1.csv.reason.txt").read_text(encoding="utf-8")
        assert collector.saw_error("a-bad.csv refused")
        assert collector.none_within(0.3)
    finally:
        worker.stop()


def test_a_file_left_in_processing_is_taken_at_start_and_two_stations_take_a_file_once(tmp_path: Path,
                                                                                        collector) -> None:
    (tmp_path / "processing").mkdir()
    (tmp_path / "processing" / "left.csv").write_text(HEADER + csv_row(recent(), din="W000025000016"),
                                                      encoding="utf-8")
    other = type(collector)()  # a second station's collector
    first, second = folder_worker(tmp_path, collector), folder_worker(tmp_path, other)
    first.start()
    try:
        assert collector.next().payload.donation_id == "W000025000016"
        second.start()
        for n in range(5):
            (tmp_path / f"shared{n}.csv").write_text(HEADER + csv_row(recent(), din=f"W00002500002{n}"),
                                                     encoding="utf-8")
        assert wait_until(lambda: len(list((tmp_path / "processed").iterdir())) == 6, 10)
        time.sleep(0.3)
        got = []
        for c in (collector, other):
            while not c.events.empty():
                got.append(c.events.get().payload.donation_id)
        assert sorted(got) == [f"W00002500002{n}" for n in range(5)]
    finally:
        first.stop()
        second.stop()


def test_a_missing_folder_is_a_device_fault(tmp_path: Path, collector) -> None:
    worker = folder_worker(tmp_path / "not-there", collector)
    worker.start()
    try:
        assert wait_until(lambda: collector.saw_error("does not exist"), 5)
        (tmp_path / "not-there").mkdir()
        assert wait_until(lambda: worker.status.state.value == "connected", 10)
    finally:
        worker.stop()


def test_station_device_test_takes_a_dropped_file(tmp_path: Path) -> None:
    """`station device test separator --driver folder` in its own process, with the mapping given as
    options, prints the run of a file dropped after it started."""
    import json

    root = Path(__file__).resolve().parents[2]
    args = [sys.executable, "-m", "station.cli", "device", "test", "separator", "--driver", "folder",
            "--port", str(tmp_path), "--count", "1", "--timeout", "20", "--json"]
    for key in ("format", "delimiter", "decimal_comma", "time_format", "timezone", "fields", "units", "constants"):
        args += ["-o", f"{key}={json.dumps(CSV_OPTIONS[key])}"]
    args += ["-o", "settle_seconds=0.3", "-o", "poll_interval=0.05"]
    proc = subprocess.Popen(args, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)
        (tmp_path / "export.tmp").write_text(HEADER + csv_row(recent(), din="W000025000031"), encoding="utf-8")
        (tmp_path / "export.tmp").rename(tmp_path / "export.csv")
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    [event] = [json.loads(line) for line in out.splitlines() if '"separator_summary"' in line]
    assert event["donation_id"] == "W000025000031" and event["whole_blood_processed_ml"] == 2600
    assert event["platelet_yield_e11"] == pytest.approx(3.2) and event["needs_confirmation"] == []
    assert (tmp_path / "processed" / "export.csv").exists()
