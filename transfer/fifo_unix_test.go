//go:build unix

package transfer

import (
	"syscall"
	"testing"
)

// mkfifo makes a named pipe, a special file PlanUpload must refuse; it
// reports whether the system has them.
func mkfifo(t *testing.T, name string) bool {
	t.Helper()
	must(t, syscall.Mkfifo(name, 0o644))
	return true
}
