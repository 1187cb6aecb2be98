package bench

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haul-app/haul/store/lineproxy"
)

// rcloneVersion is the release Haul is compared with; `make bench`
// installs it into .tools/bin.
const rcloneVersion = "v1.75.1"

// envRclone names the environment variable that gives rclone's path and
// overrides .tools/bin/rclone.
const envRclone = "HAUL_RCLONE"

// rcloneBinary finds rclone: $HAUL_RCLONE, else .tools/bin/rclone above the
// working directory. It fails the benchmark when there is none.
func rcloneBinary(b *testing.B) string {
	b.Helper()
	if p := os.Getenv(envRclone); p != "" {
		return p
	}
	dir, err := os.Getwd()
	if err != nil {
		b.Fatal(err)
	}
	for {
		p := filepath.Join(dir, ".tools", "bin", "rclone")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	b.Fatalf("rclone %s not found in .tools/bin: run `make bench`, which installs it (or "+
		"`GOBIN=$PWD/.tools/bin go install github.com/rclone/rclone@%s`), or set %s", rcloneVersion, rcloneVersion, envRclone)
	return ""
}

// rclone is rclone's side: the remote "line:" reaches the server through
// its own proxy, configured through the environment, with no config file.
type rclone struct {
	bin string
	p   *lineproxy.Proxy
	env []string
	rss float64 // peak resident set of the last run, MiB
}

func (e *env) rclone(b *testing.B) *rclone {
	b.Helper()
	bin := rcloneBinary(b)
	p := e.proxy(b)
	return &rclone{
		bin: bin,
		p:   p,
		env: append(os.Environ(),
			"RCLONE_CONFIG="+os.DevNull,
			"RCLONE_CONFIG_LINE_TYPE=s3",
			"RCLONE_CONFIG_LINE_PROVIDER=Other",
			"RCLONE_CONFIG_LINE_ENDPOINT="+p.URL,
			"RCLONE_CONFIG_LINE_REGION="+e.srv.Region,
			"RCLONE_CONFIG_LINE_ACCESS_KEY_ID="+e.srv.AccessKey,
			"RCLONE_CONFIG_LINE_SECRET_ACCESS_KEY="+e.srv.SecretKey,
			"RCLONE_CONFIG_LINE_FORCE_PATH_STYLE=true",
			"RCLONE_CACHE_DIR="+b.TempDir(),
		),
	}
}

// copy runs `rclone copy src dst flags...` and returns how long it took.
// It settles the disk first.
func (r *rclone) copy(b *testing.B, src, dst string, flags ...string) time.Duration {
	b.Helper()
	return r.run(b, "copy", src, dst, flags...)
}

// run runs `rclone verb src dst flags...` and returns how long it took.
// It settles the disk first.
func (r *rclone) run(b *testing.B, verb, src, dst string, flags ...string) time.Duration {
	b.Helper()
	settle()
	cmd := exec.Command(r.bin, append([]string{verb, src, dst}, flags...)...)
	cmd.Env = r.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			b.Fatalf("rclone %s %s %s %s: %v\n%s", verb, src, dst, strings.Join(flags, " "), err, out.String())
		}
		b.Fatalf("run rclone: %v", err)
	}
	r.rss = maxRSS(cmd.ProcessState)
	return d
}

// syncFile flushes a downloaded file to the disk, as Haul does with its
// downloads, and returns how long that took.
func syncFile(b *testing.B, name string) time.Duration {
	b.Helper()
	start := time.Now()
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}
