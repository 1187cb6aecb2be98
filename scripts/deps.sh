#!/bin/sh
# deps.sh build|test|bench: install what `make run` (build), `make test`
# (test) or `make bench` (bench) needs and is missing. Debian and Ubuntu get
# apt-get (with sudo when not root); other systems get a list of what to
# install. Go tools go into .tools/bin of the project: versitygw for test and
# bench, staticcheck for test, rclone (to compare with) for bench, which needs
# no system packages.
# A second run installs nothing.
set -eu
mode=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)

build_pkgs="gcc libc6-dev pkg-config libgl1-mesa-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev"
test_pkgs="xvfb xauth dbus-x11 gnome-keyring x11-utils xdotool"
pkgs=$build_pkgs
[ "$mode" = test ] && pkgs="$build_pkgs $test_pkgs"

if ! command -v go >/dev/null 2>&1; then
	echo "deps: Go is not installed; get Go 1.26 or newer from https://go.dev/dl/ first." >&2
	exit 1
fi

if [ "$mode" = bench ]; then
	: # Go tools only, below.
elif command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
	missing=""
	for p in $pkgs; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
			missing="$missing $p"
		fi
	done
	if [ -n "$missing" ]; then
		sudo=""
		if [ "$(id -u)" != 0 ]; then
			if command -v sudo >/dev/null 2>&1; then
				sudo=sudo
			else
				echo "deps: these packages are missing and there is no sudo to install them:$missing" >&2
				echo "deps: as root, run: apt-get install -y$missing" >&2
				exit 1
			fi
		fi
		echo "deps: installing$missing"
		$sudo apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
	fi
else
	case "$(uname -s)" in
	Darwin)
		echo "deps: on macOS, Haul needs Xcode's command line tools (xcode-select --install); tests also need versitygw, installed below." ;;
	MINGW* | MSYS* | CYGWIN*)
		echo "deps: on Windows, Haul needs a C compiler for cgo: MSYS2 with the mingw-w64-x86_64-gcc package, on PATH." ;;
	*)
		if command -v dnf >/dev/null 2>&1; then
			echo "deps: on Fedora, install: sudo dnf install gcc pkg-config mesa-libGL-devel libXcursor-devel libXrandr-devel libXinerama-devel libXi-devel libXxf86vm-devel"
			[ "$mode" = test ] && echo "deps: and for tests: sudo dnf install xorg-x11-server-Xvfb xauth dbus-x11 gnome-keyring"
		else
			echo "deps: install a C compiler and the OpenGL and X11 development headers ($build_pkgs on Debian)."
		fi ;;
	esac
	echo "deps: continuing, assuming they are there." >&2
fi

if [ "$mode" = test ] || [ "$mode" = bench ]; then
	vgw="$root/.tools/bin/versitygw"
	stamp="$root/.tools/versitygw-v1.8.0"
	if [ ! -x "$vgw" ] || [ ! -f "$stamp" ]; then
		echo "deps: installing versitygw v1.8.0 into .tools/bin (a few minutes the first time)"
		GOBIN="$root/.tools/bin" go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
		touch "$stamp"
	fi
fi

if [ "$mode" = bench ]; then
	rclone="$root/.tools/bin/rclone"
	stamp="$root/.tools/rclone-v1.75.1"
	if [ ! -x "$rclone" ] || [ ! -f "$stamp" ]; then
		echo "deps: installing rclone v1.75.1 into .tools/bin (several minutes the first time)"
		CGO_ENABLED=0 GOBIN="$root/.tools/bin" go install github.com/rclone/rclone@v1.75.1
		touch "$stamp"
	fi
fi

if [ "$mode" = test ]; then
	sc="$root/.tools/bin/staticcheck"
	stamp="$root/.tools/staticcheck-v0.8.2"
	if [ ! -x "$sc" ] || [ ! -f "$stamp" ]; then
		echo "deps: installing staticcheck v0.8.2 (2025.1) into .tools/bin"
		GOBIN="$root/.tools/bin" go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
		touch "$stamp"
	fi
fi
