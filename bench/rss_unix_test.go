//go:build unix

package bench

import (
	"os"
	"runtime"
	"syscall"
)

// maxRSS is the peak resident set of a finished process, in MiB.
func maxRSS(ps *os.ProcessState) float64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return float64(ru.Maxrss) / (1 << 20) // bytes
	}
	return float64(ru.Maxrss) / (1 << 10) // KiB
}
