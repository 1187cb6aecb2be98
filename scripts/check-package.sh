#!/bin/sh
# check-package.sh: check the packages that `make package` and `make
# package-windows` left in dist/ (`make package-check` builds them first):
#   - the Linux tarball installs into a temporary prefix with its Makefile;
#   - the installed desktop entry passes desktop-file-validate, registers
#     b2:// links, and the AppStream metainfo passes appstreamcli validate
#     and lists this version;
#   - the icons are PNGs of the sizes their folders say;
#   - the installed binary prints its version, then opens its window under
#     Xvfb and is still running a few seconds later, and quits cleanly on
#     SIGTERM;
#   - dist/haul.exe is a 64-bit Windows GUI program with an icon resource.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
appid=app.haul.desktop
version=${VERSION:-$(sed -n '/^\[Details\]/,/^\[/s/^ *Version *= *"\([^"]*\)".*/\1/p' FyneApp.toml)}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
failed=0
fail() {
	echo "FAIL: $*" >&2
	failed=1
}
ok() { echo "ok: $*"; }

echo "== install into a temporary prefix"
./scripts/package.sh install "$prefix"
(cd "$prefix" && find . -type f | sort)
for f in bin/haul share/applications/$appid.desktop share/metainfo/$appid.metainfo.xml \
	share/icons/hicolor/scalable/apps/$appid.svg; do
	[ -f "$prefix/$f" ] || fail "$f not installed"
done

echo "== icons"
for s in 16 22 24 32 48 64 128 256 512; do
	png=$prefix/share/icons/hicolor/${s}x$s/apps/$appid.png
	if file "$png" | grep -q "PNG image data, $s x $s,"; then
		ok "${s}x$s PNG"
	else
		fail "icon ${s}x$s: $(file "$png")"
	fi
done

echo "== desktop entry"
desktop=$prefix/share/applications/$appid.desktop
cat "$desktop"
if desktop-file-validate "$desktop"; then ok "desktop-file-validate"; else fail "desktop-file-validate"; fi
grep -q "^Exec=$prefix/bin/haul %u$" "$desktop" && ok "Exec points at the installed binary and takes a URL" ||
	fail "Exec line is not '$prefix/bin/haul %u'"
grep -q '^MimeType=.*x-scheme-handler/b2;' "$desktop" && ok "MimeType registers b2:// links" ||
	fail "no x-scheme-handler/b2 in MimeType"
# The install ran update-desktop-database: b2:// now maps to Haul there.
if grep -q "^x-scheme-handler/b2=$appid.desktop" "$prefix/share/applications/mimeinfo.cache" 2>/dev/null; then
	ok "mimeinfo.cache maps x-scheme-handler/b2 to $appid.desktop"
else
	fail "mimeinfo.cache has no x-scheme-handler/b2 entry"
fi

echo "== AppStream metainfo"
metainfo=$prefix/share/metainfo/$appid.metainfo.xml
# --no-net: the addresses are not fetched (this machine may be offline).
if appstreamcli validate --no-net --pedantic "$metainfo"; then ok "appstreamcli validate"; else fail "appstreamcli validate"; fi
grep -q "<release version=\"$version\"" "$metainfo" && ok "metainfo lists release $version" ||
	fail "metainfo has no <release version=\"$version\">: add one to packaging/linux/$appid.metainfo.xml"

echo "== the installed binary"
home=$tmp/home
mkdir -p "$home"
got=$(HOME=$home LANG=en_US.UTF-8 xvfb-run -a "$prefix/bin/haul" -version)
[ "$got" = "haul $version" ] && ok "haul -version: $got" || fail "haul -version printed '$got', want 'haul $version'"

# Start the window on a private display and session bus, with no account
# from the environment (it opens on its sandbox); look for the window, then
# quit it with SIGTERM and expect exit status 0.
cat >"$tmp/window.sh" <<'EOF'
#!/bin/sh
"$HAUL" >"$LOG" 2>&1 &
pid=$!
title=""
i=0
while [ $i -lt 60 ]; do
	sleep 1
	i=$((i + 1))
	if ! kill -0 $pid 2>/dev/null; then
		wait $pid
		echo "exited early with status $?"
		exit 1
	fi
	title=$(LC_ALL=C xwininfo -root -tree | grep -o '"Haul[^"]*"' | head -n 1)
	[ -n "$title" ] && break
done
[ -n "$title" ] || { echo "no Haul window after $i s"; kill $pid; exit 1; }
sleep 3 # it keeps running with its window up
if ! kill -0 $pid 2>/dev/null; then
	wait $pid
	echo "window $title appeared, then Haul exited with status $?"
	exit 1
fi
kill -TERM $pid
wait $pid
status=$?
echo "window $title after $i s; exit status $status after SIGTERM"
exit $status
EOF
if result=$(env HAUL="$prefix/bin/haul" LOG="$tmp/haul.log" HOME="$home" LANG=en_US.UTF-8 \
	B2_APPLICATION_KEY_ID= B2_APPLICATION_KEY= HAUL_S3_ENDPOINT= \
	xvfb-run -a -s "-screen 0 1440x900x24" dbus-run-session -- sh "$tmp/window.sh"); then
	ok "$result"
else
	fail "$result"
	sed 's/^/  haul: /' "$tmp/haul.log" >&2
fi

echo "== Windows executable"
exe=dist/haul.exe
if [ -f "$exe" ]; then
	file "$exe"
	file "$exe" | grep -q 'PE32+ executable (GUI) x86-64' && ok "file: PE32+ GUI x86-64" || fail "$exe is not a PE32+ GUI x86-64 executable"
	if go run ./packaging/pecheck "$exe"; then ok "icon resource"; else fail "no icon resource in $exe"; fi
	ls -l "$exe"
else
	fail "no $exe: run make package-windows"
fi

if [ $failed != 0 ]; then
	echo "check-package: FAILED" >&2
	exit 1
fi
echo "check-package: all checks passed"
