# Haul's two commands: `make run` and `make test`. Each installs what is
# missing first (see scripts/deps.sh). The first build compiles Fyne's cgo
# OpenGL driver and takes a few minutes; later builds take seconds.

GO ?= go
BIN := bin/haul
# Release builds promise Fyne that widgets are only touched through fyne.Do
# (FyneApp.toml: fyneDo = true), which turns its thread checks off; `make
# debug` keeps them on.
TAGS := migrated_fynedo

.PHONY: run debug build test race bench deps deps-test clean

run: build
	./$(BIN) $(ARGS)

debug: deps
	$(GO) build -o $(BIN) .
	./$(BIN) -v $(ARGS)

build: deps
	$(GO) build -tags $(TAGS) -o $(BIN) .

test: deps-test
	./scripts/test.sh

# race runs every test under the race detector (its first build of Fyne's
# cgo takes minutes more).
race: deps-test
	./scripts/test.sh -race

# bench runs the benchmarks of bench/ once each: Haul beside rclone v1.75.1
# through a shaping proxy like a line to B2 and on loopback, a few minutes
# in all. BENCH picks benchmarks by name; BENCHPKGS adds packages, e.g.
# `make bench BENCHPKGS="./bench/ ./transfer/ ./store/"` for the loopback
# benchmarks of transfer and store too (several minutes more).
BENCH ?= .
BENCHPKGS ?= ./bench/
bench:
	@./scripts/deps.sh bench
	HAUL_VERSITYGW=$(CURDIR)/.tools/bin/versitygw $(GO) test -run '^$$' -bench '$(BENCH)' -benchtime=1x -benchmem -timeout 60m $(BENCHPKGS)

deps:
	@./scripts/deps.sh build

deps-test:
	@./scripts/deps.sh test

clean:
	rm -rf bin
