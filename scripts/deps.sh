#!/bin/sh
# deps.sh build|test|bench|package|package-windows|package-darwin|package-check:
# install what `make run` (build), `make test` (test), `make bench` (bench)
# or the `make package...` targets need and is missing. Debian and Ubuntu
# get apt-get (with sudo when not root); other systems get a list of what to
# install. Go tools go into .tools/bin of the project: versitygw for test
# and bench, staticcheck for test, rclone (to compare with) for bench, which
# needs no system packages, and Fyne's packaging tool fyne for the packages.
# A second run installs nothing.
set -eu
mode=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)

build_pkgs="gcc libc6-dev pkg-config libgl1-mesa-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev"
test_pkgs="xvfb xauth dbus-x11 gnome-keyring x11-utils xdotool"
# Packages: rsvg-convert draws the icon sizes, the validators check the
# desktop entry and AppStream file, xz packs the tarball; mingw-w64
# cross-compiles for Windows; the check runs the installed binary under Xvfb.
package_pkgs="librsvg2-bin desktop-file-utils appstream xz-utils"
windows_pkgs="gcc-mingw-w64-x86-64 librsvg2-bin"
check_pkgs="$package_pkgs gcc-mingw-w64-x86-64 file xvfb xauth dbus-x11 x11-utils"
case "$mode" in
test) pkgs="$build_pkgs $test_pkgs" ;;
package) pkgs="$build_pkgs $package_pkgs" ;;
package-windows) pkgs=$windows_pkgs ;;
package-check) pkgs="$build_pkgs $check_pkgs" ;;
*) pkgs=$build_pkgs ;;
esac

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
		echo "deps: on macOS, Haul needs Xcode's command line tools (xcode-select --install); tests also need versitygw, installed below."
		[ "$mode" = package-darwin ] && echo "deps: the macOS package also needs rsvg-convert: brew install librsvg" ;;
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

# go_tool NAME VERSION PACKAGE [CGO]: install a Go tool into .tools/bin once
# per version (a stamp file remembers which one is there); CGO=0 builds it
# without cgo.
go_tool() {
	if [ ! -x "$root/.tools/bin/$1" ] || [ ! -f "$root/.tools/$1-$2" ]; then
		echo "deps: installing $1 $2 into .tools/bin (minutes the first time)"
		CGO_ENABLED=${4:-$(go env CGO_ENABLED)} GOBIN="$root/.tools/bin" go install "$3@$2"
		touch "$root/.tools/$1-$2"
	fi
}

case "$mode" in
test)
	go_tool versitygw v1.8.0 github.com/versity/versitygw/cmd/versitygw
	go_tool staticcheck v0.8.2 honnef.co/go/tools/cmd/staticcheck ;;
bench)
	go_tool versitygw v1.8.0 github.com/versity/versitygw/cmd/versitygw
	go_tool rclone v1.75.1 github.com/rclone/rclone 0 ;;
package | package-windows | package-darwin | package-check)
	go_tool fyne v1.7.2 fyne.io/tools/cmd/fyne 0 ;;
esac
