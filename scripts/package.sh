#!/bin/sh
# package.sh linux|windows|darwin: build Haul's packages into dist/ with
# Fyne's packaging tool (installed into .tools/bin by deps.sh).
# package.sh install PREFIX: install the Linux package of this version from
# dist/ under PREFIX.
#
#   linux    dist/haul-VERSION-linux-ARCH.tar.xz: the binary, the icon at
#            hicolor sizes 16-512 and as SVG, a desktop entry that also
#            opens b2:// links, AppStream metainfo, and a Makefile that
#            installs them (make install PREFIX=...).
#   windows  dist/haul.exe, cross-compiled with mingw-w64, its icon, version
#            and manifest embedded as Windows resources.
#   darwin   dist/Haul.app, on a Mac only (rsvg-convert from Homebrew's
#            librsvg draws the icon).
#
# VERSION=x.y.z overrides FyneApp.toml's version (numbers only: the
# packaging tool accepts nothing else).
#
# `fyne package` builds in the folder it packages, leaves generated files
# there while it works and counts up Build in FyneApp.toml afterwards; so it
# runs on a copy of the source, never in the working tree that others are
# building from.
set -eu
target=${1:?usage: package.sh linux|windows|darwin|install PREFIX}
root=$(cd "$(dirname "$0")/.." && pwd)
fyne=$root/.tools/bin/fyne
appid=app.haul.desktop
dist=$root/dist

version=${VERSION:-$(sed -n '/^\[Details\]/,/^\[/s/^ *Version *= *"\([^"]*\)".*/\1/p' "$root/FyneApp.toml")}
case $version in
'' | *[!0-9.]* | .* | *. | *..*)
	echo "package: version '$version' is not numbers like 1.2.3" >&2
	exit 1 ;;
esac

arch=$(go env GOARCH)
name=haul-$version-linux-$arch

if [ "$target" = install ]; then
	prefix=${2:?usage: package.sh install PREFIX}
	if [ ! -f "$dist/$name.tar.xz" ]; then
		echo "package: no dist/$name.tar.xz; run make package first" >&2
		exit 1
	fi
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	tar -xJf "$dist/$name.tar.xz" -C "$work"
	make -s -C "$work/$name" install PREFIX="$prefix"
	echo "package: installed Haul $version under $prefix (run $prefix/bin/haul)"
	exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$dist" "$work/src"

# The source as it is in the working tree, without what git ignores.
(cd "$root" && tar -cf - --exclude=./.git --exclude=./.tools --exclude=./bin \
	--exclude=./dist --exclude=./tmp --exclude='*.test' --exclude='*.syso' \
	--exclude=./fyne_metadata_init.go .) | tar -xf - -C "$work/src"
# The binary embeds FyneApp.toml for -version, so VERSION goes there (the
# tool drops -ldflags from GOFLAGS after its first build, and Windows builds
# twice).
sed "/^\[Details\]/,/^\[/s/^\( *Version *= *\)\"[^\"]*\"/\1\"$version\"/" "$root/FyneApp.toml" >"$work/src/FyneApp.toml"

# icon SIZE: render assets/icon.svg as a SIZE×SIZE PNG and print its path.
icon() {
	rsvg-convert -w "$1" -h "$1" -o "$work/icon-$1.png" "$root/assets/icon.svg"
	echo "$work/icon-$1.png"
}

case $target in
linux)
	echo "package: building Haul $version for Linux ($arch) with fyne package (a cold build takes minutes)"
	(cd "$work/src" && "$fyne" package -os linux --release \
		--icon "$(icon 512)" --app-version "$version")

	# The tool's tarball has the binary, a 512 px icon in pixmaps, a desktop
	# entry and a Makefile that installs those three. Haul's adds the icon
	# sizes of the hicolor theme, the AppStream metainfo and a desktop entry
	# that takes a URL (%u), not files (%F), for b2:// links.
	mkdir "$work/fyne"
	tar -xJf "$work/src/Haul.tar.xz" -C "$work/fyne"
	usr=$(dirname "$(find "$work/fyne" -path '*/bin/haul' -type f)")/..
	pkg=$work/$name
	mkdir -p "$pkg/bin" "$pkg/share/applications" "$pkg/share/metainfo" \
		"$pkg/share/icons/hicolor/scalable/apps"
	cp "$usr/bin/haul" "$pkg/bin/haul"
	sed 's/^Exec=haul %F$/Exec=haul %u/' "$usr/share/applications/$appid.desktop" \
		>"$pkg/share/applications/$appid.desktop"
	if ! grep -q '^Exec=haul %u$' "$pkg/share/applications/$appid.desktop" ||
		! grep -q '^MimeType=x-scheme-handler/b2;$' "$pkg/share/applications/$appid.desktop"; then
		echo "package: the desktop entry from fyne package changed shape; fix scripts/package.sh:" >&2
		cat "$usr/share/applications/$appid.desktop" >&2
		exit 1
	fi
	desktop-file-validate "$pkg/share/applications/$appid.desktop"
	cp "$root/packaging/linux/$appid.metainfo.xml" "$pkg/share/metainfo/"
	appstreamcli validate --no-net --pedantic "$pkg/share/metainfo/$appid.metainfo.xml" >/dev/null
	cp "$root/assets/icon.svg" "$pkg/share/icons/hicolor/scalable/apps/$appid.svg"
	for s in 16 22 24 32 48 64 128 256 512; do
		mkdir -p "$pkg/share/icons/hicolor/${s}x$s/apps"
		mv "$(icon "$s")" "$pkg/share/icons/hicolor/${s}x$s/apps/$appid.png"
	done
	cp "$root/packaging/linux/Makefile" "$pkg/Makefile"
	rm -f "$dist/$name.tar.xz"
	XZ_OPT=${XZ_OPT:--T0} tar -cJf "$dist/$name.tar.xz" -C "$work" --sort=name --owner=0 --group=0 "$name"
	echo "package: wrote dist/$name.tar.xz ($(du -h "$dist/$name.tar.xz" | cut -f1))"
	;;
windows)
	echo "package: building Haul $version for Windows (amd64) with fyne package and mingw-w64 (a cold build takes minutes)"
	# fyne compiles C with -fstack-protector-strong and _FORTIFY_SOURCE;
	# mingw-w64 keeps those checks in libssp, which the link must take, and
	# statically: Windows has no libssp-0.dll. A cgo directive in the copy's
	# main package says so without changing CGO_LDFLAGS, which would
	# recompile every C file of Fyne's driver.
	cat >"$work/src/zz_ssp_windows.go" <<-'EOF'
		package main

		// #cgo LDFLAGS: -l:libssp.a
		import "C"
	EOF
	# A 256 px PNG: the largest size an .ico entry describes.
	(cd "$work/src" && CC=x86_64-w64-mingw32-gcc GOARCH=amd64 \
		"$fyne" package -os windows --release --icon "$(icon 256)" --app-version "$version")
	cp "$work/src/Haul.exe" "$dist/haul.exe"
	echo "package: wrote dist/haul.exe ($(du -h "$dist/haul.exe" | cut -f1))"
	;;
darwin)
	# Not checked on the Linux machines Haul is built on: fyne package needs
	# a Mac (Xcode's command line tools) for the macOS app.
	if [ "$(uname -s)" != Darwin ]; then
		echo "package: the macOS app can only be built on a Mac" >&2
		exit 1
	fi
	echo "package: building Haul $version for macOS with fyne package"
	(cd "$work/src" && "$fyne" package -os darwin --release \
		--icon "$(icon 1024)" --app-version "$version")
	rm -rf "$dist/Haul.app"
	cp -R "$work/src/Haul.app" "$dist/Haul.app"
	echo "package: wrote dist/Haul.app"
	;;
*)
	echo "package: unknown target $target (linux, windows or darwin)" >&2
	exit 1 ;;
esac
