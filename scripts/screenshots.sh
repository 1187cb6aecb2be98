#!/bin/sh
# screenshots.sh: take the README's screenshots, docs/screenshot-light.png
# and docs/screenshot-dark.png, from the real binary under Xvfb at
# 1440x900, in the compact density, on a sandbox with sample data
# (scripts/shotseed). Needs what `make test` installs, plus ImageMagick's
# import and xdotool.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ "${HAUL_IN_SESSION:-}" != 1 ]; then
	export HAUL_IN_SESSION=1
	exec xvfb-run -a -s "-screen 0 1440x900x24" dbus-run-session -- "$0" "$@"
fi
make build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# One home for both runs, so the banner reads ~/sandbox and not a
# temporary path; each run has its own Fyne preferences.
home=$tmp/home
go run ./scripts/shotseed "$home/sandbox"
for variant in light dark; do
	config=$tmp/config-$variant
	mkdir -p "$config/fyne/app.haul.desktop"
	printf '{"appearance.variant":"%s","appearance.density":"compact"}' "$variant" >"$config/fyne/app.haul.desktop/preferences.json"
	HOME=$home XDG_CONFIG_HOME=$config XDG_CACHE_HOME=$tmp/cache HAUL_SANDBOX_DIR=$home/sandbox LANG=en_US.UTF-8 \
		./bin/haul b2://haul-sandbox/docs/notes.txt >"$tmp/haul-$variant.log" 2>&1 &
	pid=$!
	wid=
	for _ in $(seq 1 150); do
		wid=$(xdotool search --name '^Haul' 2>/dev/null | head -1 || true)
		[ -n "$wid" ] && break
		sleep 0.2
	done
	if [ -z "$wid" ]; then
		echo "screenshots.sh: Haul's window did not appear; its log:" >&2
		cat "$tmp/haul-$variant.log" >&2
		exit 1
	fi
	sleep 4 # the folder and the versions load
	xdotool mousemove 1435 895
	sleep 0.5
	import -window "$wid" "docs/screenshot-$variant.png"
	kill "$pid"
	wait "$pid" || true
done
echo "screenshots.sh: wrote docs/screenshot-light.png and docs/screenshot-dark.png"
