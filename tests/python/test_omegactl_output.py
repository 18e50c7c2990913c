"""omegactl's two output formats: JSON (the API's documents) when stdout is not a terminal,
a table when it is; `-o json|table` chooses either way, before or after the command."""

import json

from tests.support.daemon import ALICE
from tests.support.omegactl import ctl, ctl_on_a_terminal


def test_json_when_piped_table_on_a_terminal(settingsd):
    piped = ctl("get", url=settingsd.base)
    assert piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout) == settingsd.config()

    code, text, err = ctl_on_a_terminal("get", url=settingsd.base)
    assert code == 0, err
    lines = text.splitlines()
    assert lines[0] == "version 1"
    assert lines[1].split() == ["KEY", "VALUE"]
    assert "LOG_LEVEL              INFO" in lines
    assert "SECRET_KEY             **********" in lines
    assert "ALERT_WEBHOOK_URL      null" in lines

    # -o wins over the terminal test, in either position.
    code, text, err = ctl_on_a_terminal("get", "-o", "json", url=settingsd.base)
    assert code == 0 and json.loads(text) == settingsd.config()
    forced = ctl("-o", "table", "get", url=settingsd.base)
    assert forced.returncode == 0 and forced.stdout.splitlines()[0] == "version 1"
    compact = ctl("get", "--output", "json", "--compact", url=settingsd.base)
    assert compact.stdout.count("\n") == 1 and json.loads(compact.stdout) == settingsd.config()


def test_history_and_mutations_as_tables(settingsd):
    p = ctl("-o", "table", "patch", "LOG_LEVEL=DEBUG", "REQUEST_TIMEOUT=45", token=ALICE, url=settingsd.base)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "v2: changed LOG_LEVEL, REQUEST_TIMEOUT; published to 0 subscriber(s)\n"
    p = ctl("-o", "table", "reload", token=ALICE, url=settingsd.base)
    assert p.returncode == 0 and p.stdout == "v2: nothing changed; republished to 0 subscriber(s)\n", p.stdout
    p = ctl("-o", "table", "rollback", "1", token=ALICE, url=settingsd.base)
    assert p.returncode == 0 and p.stdout.startswith("v3: changed LOG_LEVEL, REQUEST_TIMEOUT"), p.stdout

    p = ctl("-o", "table", "history", url=settingsd.base)
    assert p.returncode == 0, p.stderr
    header, *rows = p.stdout.splitlines()
    assert header.split() == ["VERSION", "EVENT", "ACTOR", "WRITTEN_AT", "CHANGED", "COMMENT"]
    # An unchanged reload republishes the same version and adds no history entry.
    assert [r.split()[:3] for r in rows] == [
        ["3", "rollback", "alice"],
        ["2", "updated", "alice"],
        ["1", "boot", "omega-settingsd"],
    ]
    assert "LOG_LEVEL, REQUEST_TIMEOUT" in rows[0]
    assert "(+" in rows[-1] and "more)" in rows[-1]  # the boot version names every key
