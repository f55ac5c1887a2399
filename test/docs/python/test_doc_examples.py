"""Every Python block of the README and docs/ runs against the built wheel.

GIVEN the examples as a reader copies them, WHEN each runs in a fresh
interpreter and its apps are synthesized, THEN it succeeds and prints no
deprecation warning. The first tests are positive controls: a wrong name, a
deprecated aws-cdk-lib call and malformed fragment markers must be caught.
"""
import concurrent.futures
import os
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import examples as ex  # noqa: E402
from conftest import RAN  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[3]
EXAMPLES = ex.collect(ROOT)
WORKERS = int(os.environ.get("CDK_MLOPS_DOC_WORKERS", "2"))


@pytest.fixture(scope="session")
def results():
    """Run every example once, two at a time (each has its own jsii kernel)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
        done = dict(zip((e.id for e in EXAMPLES), pool.map(ex.run_example, EXAMPLES)))
    RAN["examples"] = len(done)
    RAN["blocks"] = sum(len(e.blocks) for e in EXAMPLES)
    return done


def example(code: str) -> ex.Example:
    return ex.Example([ex.Block("fixture.md", 1, code, False)])


def test_fails_when_an_example_uses_a_wrong_name():
    result = ex.run_example(example(
        "import aws_cdk as cdk\nimport cdk_mlops\n"
        "app = cdk.App()\ncdk_mlops.SecureMlNetwrk(cdk.Stack(app, 'S'), 'Network')\n"
    ))
    assert not result.ok
    assert result.returncode != 0
    assert "SecureMlNetwrk" in result.output


def test_fails_when_an_example_prints_a_deprecation_warning():
    # CfnResource#addDependsOn is deprecated in aws-cdk-lib ("use addDependency")
    result = ex.run_example(example(
        "import aws_cdk as cdk\n"
        "app = cdk.App()\nstack = cdk.Stack(app, 'S')\n"
        "a = cdk.CfnResource(stack, 'A', type='AWS::SNS::Topic')\n"
        "b = cdk.CfnResource(stack, 'B', type='AWS::SNS::Topic')\n"
        "a.add_depends_on(b)\n"
    ))
    assert result.returncode == 0, result.output
    assert not result.ok
    assert result.deprecations and "CfnResource#addDependsOn is deprecated" in result.deprecations[0]


def test_a_marked_fragment_runs_appended_to_the_block_it_continues():
    page = "\n".join([
        "```python", "x = 1", "```", "text", "",
        "<!-- example: continues the previous block -->", "",
        "```python", "y = x + 1", "```",
        "```python", "z = 3", "```",
    ])
    found = ex.examples_of(ex.blocks_of("page.md", page))
    assert [e.id for e in found] == ["page.md:1+1", "page.md:11"]
    assert found[0].code == "x = 1\n\ny = x + 1\n"


def test_fails_when_a_marker_continues_nothing_or_marks_another_language():
    with pytest.raises(ex.MarkdownError, match="first Python block of the page"):
        ex.blocks_of("page.md", "<!-- example: continues the previous block -->\n```python\nx = 1\n```\n")
    with pytest.raises(ex.MarkdownError, match="before a 'ts' block"):
        ex.blocks_of("page.md", "```python\nx = 1\n```\n<!-- example: continues the previous block -->\n```ts\nconst x = 1;\n```\n")


def test_the_docs_have_python_examples():
    pages = {e.blocks[0].page for e in EXAMPLES}
    assert "README.md" in pages
    assert sum(len(e.blocks) for e in EXAMPLES) >= 15


@pytest.mark.parametrize("example_id", [e.id for e in EXAMPLES])
def test_example_runs_and_synthesizes_without_deprecation_warnings(results, example_id):
    result = results[example_id]
    assert result.returncode == 0, f"{example_id} failed:\n{result.output[-4000:]}"
    assert result.deprecations == [], f"{example_id} printed deprecation warnings: {result.deprecations}"
