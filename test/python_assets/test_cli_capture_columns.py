"""--capture-columns can be repeated: the library passes a wide schema as several container arguments,
because CreateProcessingJob limits each argument (and each environment value) to 256 characters."""

from driftcheck.cli import build_parser

WIDE = ["feature_%04d_x" % i for i in range(120)]


def chunks(columns, limit=256):
    out, chunk = [], ""
    for c in columns:
        if chunk and len(chunk) + 1 + len(c) > limit:
            out.append(chunk)
            chunk = ""
        chunk = chunk + "," + c if chunk else c
    return out + [chunk]


def test_repeated_capture_columns_continue_the_list():
    args = []
    for chunk in chunks(WIDE):
        assert len(chunk) <= 256
        args += ["--capture-columns", chunk]
    for mode in ("check", "summarize"):
        assert build_parser().parse_args([mode] + args).capture_columns == WIDE


def test_the_command_line_replaces_the_environment(monkeypatch):
    monkeypatch.setenv("DRIFT_CAPTURE_COLUMNS", "x,y")
    assert build_parser().parse_args(["check"]).capture_columns == ["x", "y"]
    assert build_parser().parse_args(["check", "--capture-columns", "a", "--capture-columns", "b,_"]).capture_columns == ["a", "b", "_"]
