"""The donation workflow: states, the steps allowed from each, and a guard that refuses the rest."""
from __future__ import annotations

import enum

from station.errors import InvalidTransition


class State(enum.StrEnum):
    REGISTERED = "registered"
    QUESTIONNAIRE_SIGNED = "questionnaire_signed"
    EXAMINED = "examined"
    PRETESTED = "pretested"
    ASSESSED = "assessed"  # eligible
    DEFERRED = "deferred"
    PRECOLLECTION_CHECKED = "precollection_checked"
    COLLECTING = "collecting"
    COLLECTED = "collected"
    POSTCOLLECTION_CHECKED = "postcollection_checked"
    SEALED = "sealed"
    RECORDS_SIGNED = "records_signed"
    ARCHIVED = "archived"
    ABORTED = "aborted"


S = State
_LABELS = {
    S.REGISTERED: ("已登记", "registered"),
    S.QUESTIONNAIRE_SIGNED: ("已签署健康征询", "questionnaire signed"),
    S.EXAMINED: ("已体检", "examined"),
    S.PRETESTED: ("已完成献血前检测", "pre-tested"),
    S.ASSESSED: ("评估合格", "assessed eligible"),
    S.DEFERRED: ("暂缓/不宜献血", "deferred"),
    S.PRECOLLECTION_CHECKED: ("采前核对完成", "pre-collection checked"),
    S.COLLECTING: ("采集中", "collecting"),
    S.COLLECTED: ("采集完成", "collected"),
    S.POSTCOLLECTION_CHECKED: ("采后核对完成", "post-collection checked"),
    S.SEALED: ("已热合", "sealed"),
    S.RECORDS_SIGNED: ("记录已签名", "records signed"),
    S.ARCHIVED: ("已归档", "archived"),
    S.ABORTED: ("已中止", "aborted"),
}

# step -> (states it may start from, state it leads to); None: the state does not change
TRANSITIONS: dict[str, tuple[tuple[State, ...], State | None]] = {
    "sign_questionnaire": ((S.REGISTERED,), S.QUESTIONNAIRE_SIGNED),
    "record_examination": ((S.QUESTIONNAIRE_SIGNED,), S.EXAMINED),
    "record_pretest": ((S.EXAMINED,), S.PRETESTED),
    "assess": ((S.PRETESTED,), None),  # -> ASSESSED or DEFERRED, decided by the rules
    "defer": ((S.REGISTERED, S.QUESTIONNAIRE_SIGNED, S.EXAMINED, S.PRETESTED, S.ASSESSED), S.DEFERRED),
    "print_label": ((S.ASSESSED, S.PRECOLLECTION_CHECKED), None),
    "precollection_check": ((S.ASSESSED,), S.PRECOLLECTION_CHECKED),
    "start_collection": ((S.PRECOLLECTION_CHECKED,), S.COLLECTING),
    "finish_collection": ((S.COLLECTING,), S.COLLECTED),
    "postcollection_check": ((S.COLLECTED,), S.POSTCOLLECTION_CHECKED),
    "seal": ((S.POSTCOLLECTION_CHECKED,), S.SEALED),
    "sign_records": ((S.SEALED,), S.RECORDS_SIGNED),
    "archive": ((S.RECORDS_SIGNED,), S.ARCHIVED),
    "abort": ((S.REGISTERED, S.QUESTIONNAIRE_SIGNED, S.EXAMINED, S.PRETESTED, S.ASSESSED,
               S.PRECOLLECTION_CHECKED, S.COLLECTING, S.COLLECTED), S.ABORTED),
    "record_adverse_reaction": ((S.COLLECTING, S.COLLECTED, S.POSTCOLLECTION_CHECKED, S.SEALED,
                                 S.RECORDS_SIGNED, S.ABORTED), None),
    "amend_examination": ((S.EXAMINED, S.PRETESTED), None),
    "amend_pretest": ((S.PRETESTED,), None),
    "amend_collection": ((S.COLLECTED, S.POSTCOLLECTION_CHECKED), None),
}

STEP_LABELS = {
    "register": ("登记", "registration"), "sign_questionnaire": ("签署健康征询", "signing the questionnaire"),
    "record_examination": ("体检", "examination"), "record_pretest": ("献血前检测", "pre-donation test"),
    "assess": ("献血评估", "assessment"), "defer": ("暂缓献血", "deferral"), "print_label": ("打印标签", "label printing"),
    "precollection_check": ("采前核对", "pre-collection check"), "start_collection": ("开始采集", "starting collection"),
    "finish_collection": ("结束采集", "finishing collection"), "postcollection_check": ("采后核对", "post-collection check"),
    "seal": ("热合核对", "sealing check"), "sign_records": ("记录签名", "signing the records"),
    "archive": ("归档", "archiving"), "abort": ("中止采集", "aborting"),
    "record_adverse_reaction": ("记录献血反应", "recording an adverse reaction"),
    "amend_examination": ("修改体检记录", "amending the examination"),
    "amend_pretest": ("修改检测结果", "amending the test results"),
    "amend_collection": ("修改采集记录", "amending the collection record"),
}

TERMINAL = frozenset({S.DEFERRED, S.ARCHIVED, S.ABORTED})
OPEN_STATES = tuple(s for s in State if s not in TERMINAL and s not in (S.SEALED, S.RECORDS_SIGNED))


def state_label(state: str, lang: str) -> str:
    zh, en = _LABELS.get(State(state), (state, state)) if state in State._value2member_map_ else (state, state)
    return en if lang == "en" else zh


def step_label(step: str, lang: str) -> str:
    zh, en = STEP_LABELS.get(step, (step, step))
    return en if lang == "en" else zh


def require(step: str, current: str) -> State | None:
    """The state the step leads to; InvalidTransition (changing nothing) when not allowed now."""
    allowed, target = TRANSITIONS[step]
    if current not in allowed:
        raise InvalidTransition(
            f"当前状态为“{state_label(current, 'zh_CN')}”，不能进行“{step_label(step, 'zh_CN')}”；"
            f"需要状态：{'、'.join(state_label(s, 'zh_CN') for s in allowed)}",
            f"Cannot do '{step_label(step, 'en')}' while the donation is '{state_label(current, 'en')}'; "
            f"required state: {', '.join(state_label(s, 'en') for s in allowed)}",
            step=step_label(step, "en"), current=current, required=tuple(s.value for s in allowed))
    return target
