# Haul's two commands: `make run` and `make test`. Each installs what is
# missing first (see scripts/deps.sh). The first build compiles Fyne's cgo
# OpenGL driver and takes a few minutes; later builds take seconds.

GO ?= go
BIN := bin/haul
# Release builds promise Fyne that widgets are only touched through fyne.Do
# (FyneApp.toml: fyneDo = true), which turns its thread checks off; `make
# debug` keeps them on.
TAGS := migrated_fynedo

.PHONY: run debug build test race bench deps deps-test clean package package-windows package-darwin package-check install-local

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

# package builds dist/haul-VERSION-linux-ARCH.tar.xz with Fyne's packaging
# tool (binary, icons, desktop entry for b2:// links, AppStream metainfo and
# a Makefile that installs them); package-windows cross-compiles
# dist/haul.exe with its icon through mingw-w64. Each is its own cold build
# the first time (minutes; the Windows one longer). VERSION=x.y.z overrides
# FyneApp.toml's version.
package:
	@./scripts/deps.sh package
	./scripts/package.sh linux

package-windows:
	@./scripts/deps.sh package-windows
	./scripts/package.sh windows

# package-darwin builds dist/Haul.app on a Mac (not checked on Linux).
package-darwin:
	@./scripts/deps.sh package-darwin
	./scripts/package.sh darwin

# package-check builds both packages, installs the Linux one into a
# temporary prefix, validates it, starts it under Xvfb and checks that
# haul.exe is a Windows GUI program with an icon. Not part of `make test`:
# the cold Windows build alone takes several minutes.
package-check:
	@./scripts/deps.sh package-check
	./scripts/package.sh linux
	./scripts/package.sh windows
	./scripts/check-package.sh

# install-local installs the Linux package from dist/ under PREFIX
# (default ~/.local), e.g. `make install-local PREFIX=/tmp/haul`.
PREFIX ?= $(HOME)/.local
install-local:
	./scripts/package.sh install "$(PREFIX)"

deps:
	@./scripts/deps.sh build

deps-test:
	@./scripts/deps.sh test

clean:
	rm -rf bin
