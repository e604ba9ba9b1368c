"""The documentation harness itself: what fails a page and what does not."""
import os
import subprocess
import sys

HARNESS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "run_blocks.py")


def run_page(tmp_path, text):
    page = tmp_path / "page.md"
    page.write_text(text)
    build = tmp_path / "build"
    build.mkdir(exist_ok=True)
    return subprocess.run([sys.executable, HARNESS, str(tmp_path), str(build), str(page)],
                          text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_blocks_run_in_order_in_one_directory(tmp_path):
    result = run_page(tmp_path, "```sh\necho 41 > n.txt\n```\n\n```python\n"
                                "print(int(open('n.txt').read()) + 1)\n```\n")
    assert result.returncode == 0, result.stdout
    assert "42" in result.stdout
    assert "docs: page.md: 2 blocks run, 0 skipped" in result.stdout


def test_a_failing_command_fails_the_page_naming_its_line(tmp_path):
    result = run_page(tmp_path, "Intro\n\n```sh\ntrue\nfalse\necho never\n```\n")
    assert result.returncode != 0
    assert "page.md:3: sh: exit status 1" in result.stdout
    assert "never" not in result.stdout


def test_a_block_without_language_fails(tmp_path):
    result = run_page(tmp_path, "```\noutput\n```\n")
    assert result.returncode != 0
    assert "page.md:1: code block language '' is not one of" in result.stdout


def test_skip_needs_its_marker_and_a_reason(tmp_path):
    skipped = run_page(tmp_path, "<!-- docs-test: skip: needs two machines -->\n```sh\nfalse\n```\n")
    assert skipped.returncode == 0, skipped.stdout
    assert "skipped: needs two machines" in skipped.stdout
    no_reason = run_page(tmp_path, "<!-- docs-test: skip: -->\n```sh\ntrue\n```\n")
    assert no_reason.returncode != 0
    assert "page.md:1: a docs-test marker is" in no_reason.stdout


def test_shown_output_must_equal_the_printed_output(tmp_path):
    same = run_page(tmp_path, "```sh\nprintf 'a\\nb\\n' > f\n```\n"
                              "<!-- docs-test: output of: cat f -->\n```text\na\nb\n```\n")
    assert same.returncode == 0, same.stdout
    stale = run_page(tmp_path, "```sh\nprintf 'a\\nc\\n' > f\n```\n"
                               "<!-- docs-test: output of: cat f -->\n```text\na\nb\n```\n")
    assert stale.returncode != 0
    assert "-b" in stale.stdout and "+c" in stale.stdout


def test_an_unclosed_block_fails(tmp_path):
    result = run_page(tmp_path, "```sh\necho\n")
    assert result.returncode != 0
    assert "never closed" in result.stdout
