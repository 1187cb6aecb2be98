//go:build !unix

package transfer

import "testing"

// mkfifo reports that this system has no named pipes in its file system.
func mkfifo(*testing.T, string) bool { return false }
