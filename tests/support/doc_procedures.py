"""The tested procedures of a document: a fenced bash block right after an HTML comment
`<!-- tested: NAME -->`, its steps numbered by `# N. ...` comment lines. A procedure runs in
one bash, as an operator's shell would, with a marker before each step so a failure names
the step."""

import re
import subprocess

MARK = re.compile(r"<!-- tested: ([a-z0-9-]+) -->\s*\n```bash\n(.*?)\n```", re.S)


def procedures(doc_path) -> dict:
    """{name: [(step heading, commands)]} of every tested procedure in the document."""
    out = {}
    for name, block in MARK.findall(doc_path.read_text()):
        assert name not in out, f"two procedures named {name} in {doc_path}"
        steps = []
        for line in block.splitlines():
            if re.match(r"# \d+\. ", line):
                steps.append((line[2:], []))
            else:
                assert steps, f"{name}: commands before step 1"
                steps[-1][1].append(line)
        out[name] = [(heading, "\n".join(lines)) for heading, lines in steps]
    return out


def run_procedure(doc_path, name, env, timeout=120):
    """Runs the procedure's steps in order in one bash -euo pipefail; fails naming the step."""
    steps = procedures(doc_path)[name]
    assert [int(h.split(".")[0]) for h, _ in steps] == list(range(1, len(steps) + 1)), f"{name}: step numbers"
    script = "".join(f"echo '>>> step {h.split('.')[0]}' >&2\n{commands}\n" for h, commands in steps)
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], env=env, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        reached = re.findall(r">>> step (\d+)", done.stderr)
        failed = steps[int(reached[-1]) - 1][0] if reached else "(before step 1)"
        raise AssertionError(f"{name}: step {failed!r} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout
