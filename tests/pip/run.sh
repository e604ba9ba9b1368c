#!/bin/sh
# `pip install .` into a fresh virtual environment on Debian's Python (--system-site-packages for
# NumPy, pandas, scikit-learn; offline, --no-build-isolation), reusing the build tree BUILD, then
# the Python quickstart with that environment's Python, from elsewhere than the source tree.
# Usage: run.sh SOURCE BUILD
set -e
source=$1
build=$2
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
/usr/bin/python3 -m venv --system-site-packages "$d/env"
ARMED_CMAKE_BUILD_DIR="$build" "$d/env/bin/pip" install --quiet --no-index --no-build-isolation "$source"
cd "$d"
"$d/env/bin/python" -c "import armed, sys; assert armed.__file__.startswith(sys.prefix), armed.__file__; print('pip: armed', armed.__version__, 'from', armed.__file__)"
"$d/env/bin/python" "$source/examples/python/quickstart.py" "$d/r.html"
