"""Teaching: check a student's answers and name the mistake, generate per-student exercise
sheets with keys, grade a class. Everything here reads the Trace of the scalar engine."""

from __future__ import annotations

from chainrule.teach.answers import Answers, AnswersError, template
from chainrule.teach.checking import CheckResult, QuantityResult, check

__all__ = ["Answers", "AnswersError", "CheckResult", "QuantityResult", "check", "template"]
