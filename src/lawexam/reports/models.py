"""The reports add no tables, only two covering indexes on ``attempts`` (migration 0007), so
that counting never reads the attempts' papers:

* ``ix_attempts_report_sitting`` (exam_id, user_id, state, score, passed): each person's best
  result in a sitting is a GROUP BY user_id read from the index alone, in index order;
* ``ix_attempts_report_finished`` (finished_at, state, user_id, passed): the people who took
  part in a year (or any period, or the trend over years) is a range scan of the index.

Without them SQLite reads every attempt row, and an attempt row carries its frozen paper and
results (several kilobytes), so a year's figures over 200,000 attempts took seconds.
"""
from __future__ import annotations

from sqlalchemy import Index

from lawexam.exams.models import Attempt

SITTING_INDEX = Index("ix_attempts_report_sitting", Attempt.exam_id, Attempt.user_id, Attempt.state,
                      Attempt.score, Attempt.passed)
FINISHED_INDEX = Index("ix_attempts_report_finished", Attempt.finished_at, Attempt.state, Attempt.user_id,
                       Attempt.passed)
