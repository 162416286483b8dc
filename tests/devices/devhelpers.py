"""Shared test data for device tests (imported by the test modules of this folder)."""
from __future__ import annotations

RESIDENT_CARD = {"name": "张三", "sex": "1", "nation": "01", "birth_date": "1990-03-07",
                 "address": "北京市东城区景山前街4号", "id_number": "110101199003077774",
                 "authority": "北京市公安局东城分局", "valid_from": "2015-01-01", "valid_to": "2035-01-01"}

# the Sysmex XN capture of standards.md section 4
SYSMEX_CAPTURE = [
    "H|\\^&|||XN-550^00-24^22723^^^^BD634545||||||||E1394-97",
    "O|1||^^   27^M|^^^^WBC\\^^^^RBC|||||||N||||||||||||||F",
    "R|3|^^^^HGB^1|8.0|g/dL||N||F||||20240627135407",
    "R|8|^^^^PLT^1|99|10*3/uL||N||F||||20240627135407",
    "R|23|^^^^MPV^1|8.1|fL||L||F||||20240627135407",
    "L|1|N",
]
