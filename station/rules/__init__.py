"""Versioned rule sets (GB 18467) and the question set, as data files beside this module."""
from station.rules.engine import Finding, RuleSet, all_rulesets, ruleset_for, ruleset_named
from station.rules.questionnaire import QuestionSet, question_set_for

__all__ = ["Finding", "QuestionSet", "RuleSet", "all_rulesets", "question_set_for", "ruleset_for", "ruleset_named"]
