"""The consent text and health questionnaire, versioned data (answers are stored against the version)."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from station.errors import ValidationError

_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Question:
    id: str
    zh: str
    en: str
    disqualifying: str  # the answer ("yes"/"no") that needs the physician's attention
    applies_to: str = "all"  # all | male | female


@dataclass(frozen=True)
class QuestionSet:
    name: str
    version: str
    effective_from: date
    consent_title_zh: str
    consent_title_en: str
    consent_zh: tuple[str, ...]
    consent_en: tuple[str, ...]
    questions: tuple[Question, ...]

    def for_sex(self, sex: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.applies_to in ("all", sex))


@lru_cache(maxsize=1)
def all_question_sets() -> tuple[QuestionSet, ...]:
    out = []
    for path in sorted(_DIR.glob("questionnaire-*.toml")):
        d = tomllib.loads(path.read_text(encoding="utf-8"))
        c = d["consent"]
        out.append(QuestionSet(
            name=d["name"], version=str(d["version"]), effective_from=date.fromisoformat(d["effective_from"]),
            consent_title_zh=c["title_zh"], consent_title_en=c["title_en"],
            consent_zh=tuple(c["paragraphs_zh"]), consent_en=tuple(c["paragraphs_en"]),
            questions=tuple(Question(id=q["id"], zh=q["zh"], en=q["en"], disqualifying=q["disqualifying"],
                                     applies_to=q.get("applies_to", "all")) for q in d["questions"])))
    return tuple(sorted(out, key=lambda s: s.effective_from))


def question_set_for(on: date) -> QuestionSet:
    sets = [s for s in all_question_sets() if s.effective_from <= on]
    if not sets:
        raise ValidationError("没有生效的健康征询问卷", "No health questionnaire is in force", code="NO_QUESTION_SET")
    return sets[-1]


def question_set_named(name: str, version: str) -> QuestionSet:
    for s in all_question_sets():
        if s.name == name and s.version == version:
            return s
    raise ValidationError(f"未找到问卷 {name} {version}", f"Question set {name} {version} not found",
                          code="NO_QUESTION_SET")
