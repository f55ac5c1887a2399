"""Python examples of the README and docs/: extract them and run each one.

A block is a fenced ```python block. A block that continues the previous
Python block of the same page (a fragment) carries the marker

    <!-- example: continues the previous block -->

on the line before its fence (blank lines may stand between); it runs appended
to the block it continues, and the chain runs once. Each chain runs in a fresh
interpreter (its own jsii kernel) in an empty folder, with CDK_OUTDIR there;
after the code, every aws_cdk.App it left in its namespace is synthesized.
No AWS account, no network: synth only.

    python examples.py FILE   run one extracted example (used by run_example)
"""
from __future__ import annotations

import dataclasses
import os
import pathlib
import re
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional

MARKER = re.compile(r"^\s*<!--\s*example:\s*continues the previous block\s*-->\s*$")
FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})\s*([\w+-]*)")
DEPRECATION = re.compile(r"\[WARNING\][^\n]*\bis deprecated\b[^\n]*")
PYTHON = {"python", "py", "python3"}


@dataclasses.dataclass
class Block:
    page: str
    line: int  # line of the opening fence, 1-based
    code: str
    continues: bool


@dataclasses.dataclass
class Example:
    """One runnable unit: a block and the fragments that continue it."""

    blocks: List[Block]

    @property
    def id(self) -> str:
        first = self.blocks[0]
        more = f"+{len(self.blocks) - 1}" if len(self.blocks) > 1 else ""
        return f"{first.page}:{first.line}{more}"

    @property
    def code(self) -> str:
        return "\n".join(b.code for b in self.blocks)


class MarkdownError(ValueError):
    pass


def blocks_of(page: str, text: str) -> List[Block]:
    """Every Python block of a Markdown page, in order."""
    blocks: List[Block] = []
    lines = text.split("\n")
    fence: Optional[str] = None
    lang = ""
    start = 0
    body: List[str] = []
    marked = False
    last_prose = ""
    for i, line in enumerate(lines, 1):
        m = FENCE.match(line)
        if fence is None:
            if m:
                fence, lang, start, body = m.group(1), m.group(2).lower(), i, []
                marked = bool(MARKER.match(last_prose))
                if marked and lang not in PYTHON:
                    raise MarkdownError(f"{page}:{i}: the continuation marker stands before a '{lang or 'plain'}' block, not a Python one")
            elif line.strip():
                last_prose = line
            continue
        if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not m.group(2):
            if lang in PYTHON:
                if marked and not blocks:
                    raise MarkdownError(f"{page}:{start}: marked as continuing the previous block, but it is the first Python block of the page")
                blocks.append(Block(page, start, "\n".join(body) + "\n", marked))
            fence, last_prose = None, line
            continue
        body.append(line)
    if fence is not None:
        raise MarkdownError(f"{page}:{start}: code block not closed")
    return blocks


def examples_of(blocks: List[Block]) -> List[Example]:
    examples: List[Example] = []
    for block in blocks:
        if block.continues:
            examples[-1].blocks.append(block)
        else:
            examples.append(Example([block]))
    return examples


def doc_pages(root: pathlib.Path) -> List[pathlib.Path]:
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


def collect(root: pathlib.Path) -> List[Example]:
    examples: List[Example] = []
    for page in doc_pages(root):
        rel = page.relative_to(root).as_posix()
        examples.extend(examples_of(blocks_of(rel, page.read_text(encoding="utf-8"))))
    return examples


@dataclasses.dataclass
class Result:
    example: Example
    returncode: int
    output: str

    @property
    def deprecations(self) -> List[str]:
        return DEPRECATION.findall(self.output)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.deprecations


def run_example(example: Example, python: str = sys.executable, timeout: int = 600) -> Result:
    with tempfile.TemporaryDirectory(prefix="doc-example-") as work:
        source = pathlib.Path(work, "example.py")
        source.write_text(example.code, encoding="utf-8")
        env = dict(os.environ)
        env.update({
            "CDK_OUTDIR": str(pathlib.Path(work, "cdk.out")),
            "AWS_REGION": env.get("AWS_REGION", "us-east-1"),
            "AWS_DEFAULT_REGION": env.get("AWS_DEFAULT_REGION", "us-east-1"),
            "CDK_DISABLE_CLI_TELEMETRY": "true",
            "AWS_EC2_METADATA_DISABLED": "true",
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        })
        for secret in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
            env.pop(secret, None)
        proc = subprocess.run(
            [python, os.path.abspath(__file__), str(source), example.id],
            cwd=work, env=env, capture_output=True, text=True, timeout=timeout,
        )
        return Result(example, proc.returncode, proc.stdout + proc.stderr)


def _run_file(path: str, label: str) -> None:
    """Inside the fresh interpreter: run the example, then synthesize its apps."""
    code = pathlib.Path(path).read_text(encoding="utf-8")
    namespace: Dict[str, object] = {"__name__": "__main__"}
    exec(compile(code, label, "exec"), namespace)  # noqa: S102 - the docs' own examples
    import aws_cdk as cdk

    apps = [v for v in namespace.values() if isinstance(v, cdk.App)]
    for app in apps:
        app.synth()
    print(f"doc example {label}: ran, {len(apps)} app(s) synthesized")


if __name__ == "__main__":
    _run_file(sys.argv[1], sys.argv[2])
