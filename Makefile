# The README's two commands: `make demo` and `make test`. Each runs the steps before it,
# so a fresh Debian machine (as root) needs nothing else.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
DEB_PACKAGES = g++ make cmake libtorch-dev libopenblas0-openmp libcli11-dev nlohmann-json3-dev libpng-dev zlib1g-dev libsuitesparse-dev libgloo-dev \
               libgtest-dev libbenchmark-dev chromium pybind11-dev python3-dev python3-numpy python3-pandas python3-sklearn python3-pytest \
               python3-venv python3-pip python3-setuptools python3-wheel

PREFIX ?= /usr/local
SANITIZE_DIR ?= build-sanitize
FUZZ_DIR ?= build-fuzz
FUZZ_RUNS ?= 1000000
FUZZ_SECONDS ?= 1200
FUZZ_TARGETS = fuzz_csv fuzz_npy fuzz_idx fuzz_png_manifest fuzz_model_dir fuzz_formula

.PHONY: setup build demo test wheel bench fashion sanitize fuzz install clean

setup:
	@scripts/setup.sh $(DEB_PACKAGES)
	@scripts/setup-report.sh

build: setup
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	scripts/demo.sh $(BUILD_DIR)/armed

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# The Python package as a wheel in dist/ (pip wheel ., the extension from the build tree).
wheel: build
	ARMED_CMAKE_BUILD_DIR=$(abspath $(BUILD_DIR)) /usr/bin/python3 -m pip wheel --no-index --no-build-isolation --no-deps -w dist .

bench: build
	@scripts/setup.sh python3-torch python3-numpy time r-cran-lme4 libeigen3-dev
	cmake -S . -B $(BUILD_DIR) > /dev/null && cmake --build $(BUILD_DIR) --target armed_factorization
	bench/run.sh $(BUILD_DIR)
	bench/scale.sh $(BUILD_DIR)
	bench/distributed.sh $(BUILD_DIR)
	bench/lmm.sh $(BUILD_DIR)
	bench/glmm_quadrature.sh $(BUILD_DIR)
	bench/glmm_fixed_part.sh $(BUILD_DIR)
	PYTHONPATH=$(BUILD_DIR)/python /usr/bin/python3 bench/python_fit.py $(BUILD_DIR) 5
	$(BUILD_DIR)/armed benchmark glmm --quiet

# The image models on real pictures: Fashion-MNIST spread over imaging sites (docs/images.md),
# and what random effects in the convolution blocks cost per epoch.
fashion: build
	@scripts/setup.sh dataset-fashion-mnist
	$(BUILD_DIR)/armed benchmark fashion --json $(BUILD_DIR)/fashion.json
	bench/block_effects.sh $(BUILD_DIR)

# The unit tests built with AddressSanitizer and UndefinedBehaviorSanitizer (clang).
sanitize: setup
	@scripts/setup.sh clang
	CXX=clang++ cmake -S . -B $(SANITIZE_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DARMED_SANITIZE=address,undefined -DARMED_PYTHON=OFF
	cmake --build $(SANITIZE_DIR) -j $(JOBS) --target armed_tests
	scripts/sanitize.sh $(SANITIZE_DIR)

# Each loader under libFuzzer with the same sanitizers, FUZZ_RUNS executions (at most FUZZ_SECONDS) each.
fuzz: setup
	@scripts/setup.sh clang
	CXX=clang++ cmake -S . -B $(FUZZ_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DARMED_FUZZ=ON -DARMED_SANITIZE=address,undefined \
	  -DARMED_PYTHON=OFF -DBUILD_TESTING=OFF
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target armed_cli $(FUZZ_TARGETS)
	scripts/fuzz.sh $(FUZZ_DIR) $(FUZZ_RUNS) $(FUZZ_SECONDS)

install: build
	cmake --install $(BUILD_DIR) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR) $(FUZZ_DIR)
