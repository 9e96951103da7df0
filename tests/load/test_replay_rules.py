"""Replay rules are data: a snapshot that is not Olist replays by its own rules, and bad rules are named."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.errors import DvkitError
from generator.load.replay_plan import plan_replay
from generator.load.replay_rules import RULES_FILE, parse_rules, read_rules

T = dt.datetime

# A help desk's snapshot: tickets open, get assigned, are closed; each comment follows its ticket.
RULES = """\
name: Help desk
required: tickets.csv
files:
  tickets.csv:
    appears_at: opened_at
    shown_from: [assigned_at, closed_at]
    status:
      column: state
      implied: [[closed_at, closed], [assigned_at, assigned]]
      otherwise: open
    publishes: [ticket_id]
  comments.csv:
    appears_with: ticket_id
  teams.csv: reference
"""
TICKETS = (
    "ticket_id,state,opened_at,assigned_at,closed_at\n"
    "t1,closed,2020-01-10 09:00:00,2020-02-01 10:00:00,2020-03-05 11:00:00\n"
    "t2,escalated,2020-02-20 08:00:00,,\n"
)
COMMENTS = "ticket_id,text\nt2,hello\nt1,first\n"
TEAMS = "team\nsupport\n"


def _snapshot(root: Path) -> tuple[Path, Path]:
    data = root / "desk"
    data.mkdir()
    for name, text in (("tickets.csv", TICKETS), ("comments.csv", COMMENTS), ("teams.csv", TEAMS)):
        (data / name).write_text(text)
    (root / RULES_FILE).write_text(RULES)
    return data, root / RULES_FILE


def test_another_snapshot_replays_by_its_own_rules(tmp_path: Path) -> None:
    data, path = _snapshot(tmp_path)
    batches = list(plan_replay(data, "month", rules=read_rules(path)))
    assert [b.period_end for b in batches] == [T(2020, 1, 31, 23, 59, 59), T(2020, 2, 29, 23, 59, 59),
                                               T(2020, 3, 31, 23, 59, 59)]
    january, february, march = ({name: e.rows for name, e in b.extracts.items()} for b in batches)
    assert list(january) == ["tickets.csv", "comments.csv", "teams.csv"]  # the rules' order
    assert january == {"tickets.csv": ((2, ("t1", "open", "2020-01-10 09:00:00", "", "")),),
                       "comments.csv": ((3, ("t1", "first")),), "teams.csv": ((2, ("support",)),)}
    # t1 was assigned in February (its state implied), t2 opened with its comment; reference data is not sent again.
    assert february == {"tickets.csv": ((2, ("t1", "assigned", "2020-01-10 09:00:00", "2020-02-01 10:00:00", "")),
                                        (3, ("t2", "escalated", "2020-02-20 08:00:00", "", ""))),
                        "comments.csv": ((2, ("t2", "hello")),), "teams.csv": ()}
    # Closed: every timestamp has happened, so the snapshot's own state holds.
    assert march["tickets.csv"] == ((2, ("t1", "closed", "2020-01-10 09:00:00", "2020-02-01 10:00:00",
                                          "2020-03-05 11:00:00")),)


def test_dvkit_load_replays_by_the_project_rules_and_says_when_there_are_none(tmp_path: Path) -> None:
    (tmp_path / "vault_spec").mkdir()
    (tmp_path / "vault_spec" / "sources.yml").write_text(
        "sources:\n  - name: tickets\n    file: tickets.csv\n    record_source: desk.tickets\n"
        "    columns: {ticket_id: text, state: text, opened_at: timestamp, assigned_at: timestamp, "
        "closed_at: timestamp}\n")
    data = tmp_path / "desk"
    data.mkdir()
    (data / "tickets.csv").write_text(TICKETS)
    result = CliRunner().invoke(main, ["--project", str(tmp_path), "load", str(data), "--replay", "month"],
                                env={"DVKIT_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none?connect_timeout=1"})
    assert result.exit_code == 1, result.output
    assert f"no replay rules: {tmp_path / RULES_FILE} does not exist" in result.output
    assert "Traceback" not in result.output


def _desk_project(root: Path) -> Path:
    (root / "vault_spec").mkdir()
    (root / "vault_spec" / "sources.yml").write_text(
        "sources:\n  - name: tickets\n    file: tickets.csv\n    record_source: desk.tickets\n"
        "    columns: {ticket_id: text, state: text, opened_at: timestamp, assigned_at: timestamp, "
        "closed_at: timestamp}\n")
    return root


def test_a_replay_takes_no_full_extract_option(tmp_path: Path) -> None:
    data, _ = _snapshot(_desk_project(tmp_path))
    result = CliRunner().invoke(main, ["--project", str(tmp_path), "load", str(data), "--replay", "month",
                                       "--full-extract", "tickets"],
                                env={"DVKIT_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none?connect_timeout=1"})
    assert result.exit_code == 1, result.output
    assert "--full-extract does not go with --replay" in result.output and "Traceback" not in result.output


@pytest.mark.db
@pytest.mark.parametrize("full", [True, False])
def test_a_full_replay_marks_every_delivery_a_full_extract(fresh_db, tmp_path: Path, full: bool) -> None:  # type: ignore[no-untyped-def]
    from generator.load.replay import load_replay
    from generator.spec.validate import load_spec

    data, rules = _snapshot(_desk_project(tmp_path))
    spec = load_spec(tmp_path / "vault_spec", tmp_path).spec
    assert spec is not None
    steps = load_replay(fresh_db, spec, data, "month", full=full, rules=read_rules(rules))
    assert len(steps) == 3
    with fresh_db.connect() as conn:
        marks = conn.execute("select batch_id, full_extract from landing.batch_files order by 1").fetchall()
    # A full replay delivers the whole table each month: a ticket missing from one is gone.
    assert marks == [(1, full), (2, full), (3, full)]


@pytest.mark.parametrize(("text", "message"), [
    (RULES.replace("appears_with: ticket_id", "appears_with: team"), "13: files.comments.csv.appears_with: "
                                                                     "no file publishes 'team'"),
    (RULES.replace("shown_from:", "shown_form:"), "6: files.tickets.csv: unknown key 'shown_form'"),
    (RULES.replace("required: tickets.csv", "required: orders.csv"),
     "2: required: 'orders.csv' is not one of the files"),
    (RULES.replace("[closed_at, closed]", "[closed, closed_at, x]"),
     "9: files.tickets.csv.status.implied: ['closed', 'closed_at', 'x'] is not [timestamp column, value]"),
    (RULES.replace("[closed_at, closed]", "[closing_at, closed]"), "7: files.tickets.csv.status: 'closing_at' is not "
                                                                  "a timestamp of the rule"),
    (RULES.replace("teams.csv: reference", "teams.csv: sometimes"), "14: files.teams.csv: 'sometimes' is not a rule"),
    (RULES.replace("    appears_with: ticket_id", "    appears_with: ticket_id\n    appears_at: t"),
     "12: files.comments.csv: give exactly one of appears_at and appears_with"),
    ("name: desk\nrequired: a\nfiles: [a]\n", "3: files: expected a mapping"),
])
def test_bad_rules_are_named_with_their_line(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / RULES_FILE).write_text(text)
    with pytest.raises(DvkitError) as caught:
        read_rules(tmp_path / RULES_FILE)
    assert caught.value.message.startswith(f"{RULES_FILE}:{message}"), caught.value.message
    assert caught.value.hint


def test_a_file_cannot_appear_with_itself() -> None:
    with pytest.raises(DvkitError, match="appears with a key that only rows appearing with it publish"):
        parse_rules({"name": "n", "required": "a", "files": {
            "a": {"appears_at": "t"},
            "b": {"appears_with": "k", "publishes": ["j"]}, "c": {"appears_with": "j", "publishes": ["k"]}}}, "r.yml")
