"""The bare baseline for the autosave benchmark: the same one-row upsert as an autosave,
with no framework, no session and no checks. ``gunicorn benchmarks.baseline_app:app``.

PUT /baseline/<attempt_id>/<slot> with a JSON body {"answer": …, "seq": n}.
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from lawexam.db import engine_options_for

URL = os.environ["LAWEXAM_DATABASE_URL"]
engine = sa.create_engine(URL, **engine_options_for(URL))
metadata = sa.MetaData()
answers = sa.Table("attempt_answers", metadata, autoload_with=engine)


def app(environ, start_response):  # noqa: ANN001, ANN201 - plain WSGI
    parts = environ.get("PATH_INFO", "").strip("/").split("/")
    if parts == ["healthz"]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    if environ["REQUEST_METHOD"] != "PUT" or len(parts) != 3 or parts[0] != "baseline":
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
    values = {"attempt_id": int(parts[1]), "slot": int(parts[2]), "answer": body["answer"], "seq": body["seq"],
              "flagged": False, "saved_at": datetime.now(timezone.utc).replace(tzinfo=None)}
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    statement = insert(answers).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[answers.c.attempt_id, answers.c.slot],
        set_={"answer": statement.excluded.answer, "seq": statement.excluded.seq},
        where=answers.c.seq < statement.excluded.seq)
    with engine.begin() as conn:
        conn.execute(statement)
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({"seq": body["seq"]}).encode()]
