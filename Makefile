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

bench: deps-test
	./scripts/test.sh -run '^$$' -bench . -benchmem

deps:
	@./scripts/deps.sh build

deps-test:
	@./scripts/deps.sh test

clean:
	rm -rf bin
