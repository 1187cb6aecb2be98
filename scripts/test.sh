#!/bin/sh
# test.sh [go test flags]: run every test with what they need around them: a
# virtual display (Xvfb), a private D-Bus session, and an unlocked GNOME
# keyring whose files live in a temporary folder, never in your own keyring.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ "${HAUL_IN_SESSION:-}" != 1 ]; then
	export HAUL_IN_SESSION=1
	exec xvfb-run -a -s "-screen 0 1440x900x24" dbus-run-session -- "$0" "$@"
fi
keyring_home=$(mktemp -d)
trap 'rm -rf "$keyring_home"' EXIT
# gnome-keyring needs a non-empty password on stdin to create and unlock
# the login keyring; an empty one leaves every keyring call failing.
printf 'haul-test-keyring' | XDG_DATA_HOME="$keyring_home" gnome-keyring-daemon --unlock --components=secrets >/dev/null
export HAUL_KEYCHAIN_TEST=1 HAUL_VERSITYGW="$root/.tools/bin/versitygw" LANG=en_US.UTF-8
unformatted=$(find . -name '*.go' -not -path './.tools/*' -not -path './tmp/*' -exec gofmt -l {} +)
if [ -n "$unformatted" ]; then
	echo "test.sh: gofmt wants to rewrite these files (run gofmt -w):" >&2
	echo "$unformatted" >&2
	exit 1
fi
go vet ./...
"$root/.tools/bin/staticcheck" ./...
go test -count=1 -timeout 30m "$@" ./...
