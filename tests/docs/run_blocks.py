"""Runs the code blocks of one documentation page as a reader would, in a fresh directory.

Usage: run_blocks.py SOURCE_DIR BUILD_DIR PAGE

Every fenced block carries its language, and the language says what happens to it:
  sh      run by bash (-e, -o pipefail), `armed` on PATH, in the page's working directory, where
          `build` and `tests` lead to the build tree and the sources' tests (commands written for
          the repository's root work there);
  python  run by /usr/bin/python3 with the build tree's package on PYTHONPATH, in that directory;
  cmake   a user's CMakeLists.txt lines; the page's C++ programs are built with them against the
          build tree installed into a temporary prefix, after the page's sh and python blocks ran;
  cpp     a program (with main) or a fragment (wrapped in main, after #include <armed/armed.h>),
          built as above and run in order in the page's working directory;
  text    output or a listing: not run; but a text block preceded by the line
          `<!-- docs-test: output of: COMMAND -->` must equal what COMMAND (run by bash where the
          page's blocks before it ran) prints on its standard output.
A block preceded by the line `<!-- docs-test: skip: REASON -->` is not run; the reason is
required. A block with no language or another language fails the test.
"""
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile

LANGUAGES = {"sh", "python", "cpp", "cmake", "text"}
SKIP = re.compile(r"<!--\s*docs-test:\s*skip:\s*(\S.*?)\s*-->")
OUTPUT_OF = re.compile(r"<!--\s*docs-test:\s*output of:\s*(\S.*?)\s*-->")
FENCE = re.compile(r"^```(\S*)\s*$")


class Block:
    def __init__(self, language, line, text, marker):
        self.language, self.line, self.text = language, line, text
        skip, output_of = (SKIP.search(marker), OUTPUT_OF.search(marker)) if marker else (None, None)
        self.skip_reason = skip.group(1) if skip else None
        self.output_of = output_of.group(1) if output_of else None
        self.unread_marker = marker is not None and "docs-test:" in marker and not (skip or output_of)


def read_blocks(page):
    """The fenced blocks of a page, with their first line's number and any skip marker."""
    lines = open(page, encoding="utf-8").read().split("\n")
    blocks, i = [], 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        start = i
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            i += 1
        if i == len(lines):
            raise SystemExit(f"{page}:{start + 1}: a code block is never closed")
        blocks.append(Block(opening.group(1), start + 1, "\n".join(lines[start + 1:i]) + "\n",
                            lines[start - 1] if start > 0 else None))
        i += 1
    return blocks


def run(command, where, env, label, stdin_text=None, quiet=False):
    """Runs a command, showing its output (only on failure when quiet)."""
    print(f"--- {label}", flush=True)
    result = subprocess.run(command, cwd=where, env=env, input=stdin_text, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if not quiet or result.returncode != 0:
        print(result.stdout, end="", flush=True)
    if result.returncode != 0:
        raise SystemExit(f"{label}: exit status {result.returncode}")


def check_output(block, where, env, label):
    """The text block must be what its command prints (trailing blanks aside)."""
    print(f"--- {label}: output of {block.output_of}", flush=True)
    result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", block.output_of], cwd=where, env=env,
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if result.returncode != 0:
        raise SystemExit(f"{label}: `{block.output_of}` exit status {result.returncode}: {result.stderr}")
    shown = [line.rstrip() for line in block.text.rstrip().split("\n")]
    printed = [line.rstrip() for line in result.stdout.rstrip().split("\n")]
    if shown != printed:
        diff = difflib.unified_diff(shown, printed, "the page", "printed now", lineterm="")
        raise SystemExit(f"{label}: the page's output differs from what the command prints:\n" + "\n".join(diff))


def build_programs(source, build, page, work, cmake_lines, programs, env):
    """Installs the build tree into a prefix and builds the page's C++ blocks with its CMake lines."""
    prefix, project = os.path.join(work, ".prefix"), os.path.join(work, ".project")
    os.makedirs(project)
    run(["cmake", "--install", build, "--prefix", prefix], work, env, "install into a temporary prefix", quiet=True)
    listing = ["cmake_minimum_required(VERSION 3.18)", "project(docs_example LANGUAGES CXX)",
               "set(CMAKE_CXX_STANDARD 17)"]
    targets = []
    for n, block in enumerate(programs):
        target = "app" if n == 0 else f"app_{n + 1}"
        body = f'#line {block.line + 1} "{page}"\n' + block.text
        if not re.search(r"\bint\s+main\s*\(", block.text):
            body = "#include <armed/armed.h>\n\nint main() {\n" + body + "}\n"
        name = f"{target}.cpp"
        with open(os.path.join(project, name), "w", encoding="utf-8") as f:
            f.write(body)
        listing.append(f"add_executable({target} {name})")
        targets.append((target, block))
    listing.append(cmake_lines)
    listing += [f"target_link_libraries({t} PRIVATE armed::armed)" for t, _ in targets[1:]]
    with open(os.path.join(project, "CMakeLists.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(listing) + "\n")
    binary = os.path.join(project, "build")
    run(["cmake", "-S", project, "-B", binary, "-DCMAKE_BUILD_TYPE=Release", f"-DCMAKE_PREFIX_PATH={prefix}"],
        work, env, "configure the page's CMake project", quiet=True)
    run(["cmake", "--build", binary, "-j", "2"], work, env, "build the page's C++ blocks")
    for target, block in targets:
        run([os.path.join(binary, target)], work, env, f"{page}:{block.line}: cpp")


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    source, build, page = (os.path.abspath(a) for a in sys.argv[1:])
    shown = os.path.relpath(page, source)
    blocks = read_blocks(page)
    for block in blocks:
        if block.unread_marker:
            raise SystemExit(f"{shown}:{block.line - 1}: a docs-test marker is `skip: REASON` or `output of: COMMAND`")
        if block.language not in LANGUAGES:
            raise SystemExit(f"{shown}:{block.line}: code block language '{block.language}' is not one of "
                             f"{', '.join(sorted(LANGUAGES))} (say `text` for output)")
    work = tempfile.mkdtemp(prefix="armed-docs-")
    try:
        bin_dir = os.path.join(work, ".bin")
        os.makedirs(bin_dir)
        os.symlink(os.path.join(build, "armed"), os.path.join(bin_dir, "armed"))
        os.symlink(build, os.path.join(work, "build"))
        os.symlink(os.path.join(source, "tests"), os.path.join(work, "tests"))
        env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""),
                   PYTHONPATH=os.path.join(build, "python"))
        cmake_lines, programs, ran, skipped = None, [], 0, 0
        for block in blocks:
            label = f"{shown}:{block.line}: {block.language}"
            if block.language == "text":
                if block.output_of:
                    check_output(block, work, env, label)
                    ran += 1
                continue
            if block.skip_reason:
                print(f"--- {label}: skipped: {block.skip_reason}")
                skipped += 1
                continue
            if block.language == "sh":
                run(["bash", "-e", "-o", "pipefail"], work, env, label, block.text)
            elif block.language == "python":
                run(["/usr/bin/python3", "-"], work, env, label, block.text)
            elif block.language == "cmake":
                cmake_lines = block.text
            else:
                programs.append(block)
            ran += 1
        if programs:
            if cmake_lines is None:
                raise SystemExit(f"{shown}: C++ blocks but no cmake block saying how to build them")
            build_programs(source, build, shown, work, cmake_lines, programs, env)
        print(f"docs: {shown}: {ran} blocks run, {skipped} skipped")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
