"""The extension of `pip install .`: the project's CMake builds the _armed module (and the library
it links statically) in build/pip, or in ARMED_CMAKE_BUILD_DIR, an existing build tree (make test
installs from its own); the wheel holds the package, the extension and the report's charting
libraries. The version is CMakeLists.txt's project(VERSION), the one place it is written."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
VERSION = re.search(r"project\(armed VERSION ([0-9.]+)", (ROOT / "CMakeLists.txt").read_text()).group(1)
CHARTS = ["vega/build/vega.min.js", "vega-lite/build/vega-lite.min.js", "vega-embed/build/vega-embed.min.js"]


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        existing = os.environ.get("ARMED_CMAKE_BUILD_DIR")
        build = Path(existing or ROOT / "build" / "pip").resolve()
        configure = ["cmake", "-S", str(ROOT), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release"]
        if not existing:  # an existing tree keeps the Python it was configured for
            configure.append(f"-DPython3_EXECUTABLE={os.path.realpath(sys.executable)}")
        subprocess.run(configure, check=True)
        subprocess.run(["cmake", "--build", str(build), "--target", "armed_python", "-j", str(os.cpu_count() or 1)], check=True)
        built = next((build / "python" / "armed").glob("_armed*.so"))
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, target)
        for chart in CHARTS:
            source = ROOT / "report" / "node_modules" / chart
            if source.exists():
                (target.parent / "js" / chart).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target.parent / "js" / chart)


setup(
    version=VERSION,
    packages=["armed"],
    package_dir={"": "python"},
    ext_modules=[Extension("armed._armed", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    options={"build": {"build_base": "build/setuptools"}, "egg_info": {"egg_base": "build"}},
)
