//go:build !unix

package bench

import "os"

// maxRSS is not measured here.
func maxRSS(*os.ProcessState) float64 { return 0 }
