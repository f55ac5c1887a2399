"""End to end: the CLI as a subprocess, baseline mode then check mode, on files laid out like data capture."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from capture_gen import b64, capture_line, hour_dir, write_csv, write_lines

COLUMNS = ["tenure", "charges", "plan", "region"]


def run(asset_dir, *args, env=None):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFT_")}
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, os.path.join(asset_dir, "main.py")] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=120, env=full_env)
    return proc.returncode, proc.stdout, proc.stderr


def draw(rng, n, shift=False):
    plans = rng.choice(["basic", "plus", "pro"], n, p=[0.3, 0.5, 0.2] if shift else [0.6, 0.3, 0.1])
    return (rng.exponential(24.0, n).round(1), rng.normal(70.0 + (15.0 if shift else 0.0), 20.0, n).round(2), plans,
            rng.choice(["north", "south", "east", "west"], n))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    rng = np.random.default_rng(77)
    t, c, p, r = draw(rng, 30000)
    label = rng.integers(0, 2, 30000)
    write_csv(str(root / "train.csv"), COLUMNS + ["churn"], zip(t, c, p, r, label))

    def window(name, shift):
        event = 0
        for hour in (10, 11):
            lines = []
            t, c, p, r = draw(rng, 1500, shift)
            for i in range(1500):
                event += 1
                row = "%s,%s,%s,%s" % (t[i], c[i], p[i], r[i])
                if i % 4 == 1:
                    line = capture_line(b64(row), "BASE64", "text/csv", event_id="%s-%d" % (name, event))
                elif i % 4 == 2:
                    line = capture_line(json.dumps(dict(zip(COLUMNS, [float(t[i]), float(c[i]), p[i], r[i]]))),
                                        "JSON", "application/json", event_id="%s-%d" % (name, event))
                else:
                    line = capture_line(row, event_id="%s-%d" % (name, event),
                                        inference_time="2026-01-01T%02d:%02d:%02dZ" % (hour, i // 60 % 60, i % 60))
                lines.append(line)
            lines.insert(100, "{this line was cut in ha")
            write_lines(os.path.join(hour_dir(str(root / name), hour, endpoint="churn", variant="AllTraffic"),
                                     "capture-%d.jsonl" % hour), lines)

    window("stable", False)
    window("shifted", True)
    (root / "empty").mkdir()
    return root


@pytest.fixture(scope="module")
def baseline(files):
    """Baseline mode, run as a subprocess like the pipeline's quality-check step would."""
    path = files / "out" / "baseline.json"
    code, out, err = run(os.path.join(os.path.dirname(__file__), "..", "..", "assets", "drift_check"), "baseline",
                         "--dataset", files / "train.csv", "--label-column", "churn", "--output", path)
    assert code == 0, err
    assert "baseline of 30000 rows, 4 features" in out
    return path


def test_baseline_then_check_end_to_end(asset_dir, files, baseline):
    doc = json.load(open(baseline))
    assert [f["name"] for f in doc["features"]] == COLUMNS
    assert [f["kind"] for f in doc["features"]] == ["numeric", "numeric", "categorical", "categorical"]

    # stable window: exit 0, nothing flagged, malformed lines counted
    code, out, err = run(asset_dir, "check", "--baseline", baseline, "--capture", files / "stable",
                         "--output-dir", files / "out-stable", "--endpoint-name", "churn")
    assert code == 0, err + out
    report = json.load(open(files / "out-stable" / "drift_report.json"))
    assert report["status"] == "ok"
    assert report["endpoint_name"] == "churn"
    assert report["counts"]["rows"] == 3000
    assert report["counts"]["malformed_by_reason"] == {"bad_json": 2}
    assert report["counts"]["files"] == 2
    assert report["window"]["first_event"].startswith("2026-01-01T")
    assert report["baseline"]["format"] == "cdk-mlops-drift-baseline"

    # shifted window (charges +15, plan mix changed): exit 2, exactly those features flagged
    code, out, err = run(asset_dir, "check", "--baseline", baseline, "--capture", files / "shifted",
                         "--output-dir", files / "out-shifted")
    assert code == 2, err + out
    report = json.load(open(files / "out-shifted" / "drift_report.json"))
    assert report["status"] == "violations"
    assert sorted(report["drifted_features"]) == ["charges", "plan"]
    assert {v["metric"] for v in report["violations"]} >= {"ks", "js_distance"}
    assert "status=violations" in out


def test_exit_codes_and_environment_configuration(asset_dir, files, baseline):
    # empty window: exit 3, status empty
    code, out, err = run(asset_dir, "check", "--baseline", baseline, "--capture", files / "empty",
                         "--output-dir", files / "out-empty")
    assert code == 3, err
    assert json.load(open(files / "out-empty" / "drift_report.json"))["status"] == "empty"
    # same, configured through DRIFT_* variables and told not to fail the job
    code, out, err = run(asset_dir, "check", env={"DRIFT_BASELINE": str(baseline), "DRIFT_CAPTURE": str(files / "shifted"),
                                                   "DRIFT_OUTPUT_DIR": str(files / "out-env"),
                                                   "DRIFT_KS_THRESHOLD": "0.5", "DRIFT_NO_FAIL_ON_VIOLATION": "true"})
    assert code == 0, err
    report = json.load(open(files / "out-env" / "drift_report.json"))
    assert report["thresholds"]["ks"] == 0.5
    assert report["status"] == "violations"
    # usage errors: 64 (not argparse's 2, which means "violations" here)
    assert run(asset_dir, "check", "--min-rows", "many")[0] == 64
    assert run(asset_dir, "check", "--baseline", files / "nope.json")[0] == 64
    assert run(asset_dir, "check", "--baseline", baseline, "--capture", files / "stable", "--output-dir",
               files / "x", "--publish-metrics")[0] == 64  # metrics need --endpoint-name
    # a real error (unreadable baseline): 1
    bad = files / "bad-baseline.json"
    bad.write_text("{ not json")
    code, out, err = run(asset_dir, "check", "--baseline", bad, "--capture", files / "stable", "--output-dir", files / "x")
    assert code == 1
    assert "error" in err
