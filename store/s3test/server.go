package s3test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/haul-app/haul/internal/syncbuf"
)

// Region is the SigV4 region the server is started with: a B2-like region, so
// clients must sign for it rather than for AWS's default us-east-1.
const Region = "us-west-004"

const (
	// readyTimeout bounds the wait for a started server to answer HTTP.
	readyTimeout = 20 * time.Second
	// stopGrace is how long a SIGTERM gets before SIGKILL.
	stopGrace = 5 * time.Second
	// bindAttempts is how many free ports are tried before giving up.
	bindAttempts = 4
)

// Server is a versitygw process serving S3 on a loopback port. Its fields are
// read-only. Its methods are safe for concurrent use.
type Server struct {
	// Endpoint is the base URL, http://127.0.0.1:PORT, for path-style requests.
	Endpoint string
	// AccessKey and SecretKey are the root credentials, random per server.
	AccessKey, SecretKey string
	// Region is the SigV4 region the server verifies signatures against.
	Region string
	// DataDir is the absolute posix root: one folder per bucket.
	DataDir string
	// VersionsDir is the absolute folder holding old versions, outside DataDir.
	VersionsDir string

	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	out  *syncbuf.Buffer
	stop sync.Once
}

// Start runs a fresh versitygw with empty temporary folders, waits until it
// answers HTTP, and registers a cleanup on tb that stops it (SIGTERM, then
// SIGKILL after a grace period) before the folders are removed. The server's
// output is kept in memory and written to the test log only if the test
// failed. Start fails the test, never skips it, when versitygw is missing or
// does not come up.
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("s3test: versitygw %s is required in CI but was not found (%v): %s", Version, err, InstallHint)
		}
		tb.Fatalf("s3test: versitygw %s was not found (%v): %s", Version, err, InstallHint)
	}
	// TempDir registers its removal first, so the stop cleanup below runs
	// before the folders disappear under the running server. The process
	// runs in a folder of its own so that nothing it might write there can
	// show up as a bucket or in the source tree.
	data, versions, work := tb.TempDir(), tb.TempDir(), tb.TempDir()
	var lastErr error
	for range bindAttempts {
		s, err := launch(bin, data, versions, work)
		if err == nil {
			tb.Cleanup(func() {
				if err := s.Stop(); err != nil {
					tb.Errorf("s3test: %v", err)
				}
				if tb.Failed() {
					tb.Logf("s3test: versitygw output:\n%s", s.Output())
				}
			})
			return s
		}
		lastErr = err
		if !errors.Is(err, errAddrInUse) {
			break
		}
	}
	tb.Fatalf("s3test: %v", lastErr)
	return nil
}

// errAddrInUse marks a start that failed only because the port was taken.
var errAddrInUse = errors.New("address already in use")

// launch starts one versitygw process and waits for it to answer. On failure
// the process is stopped and the error carries its output.
func launch(bin, data, versions, work string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		Endpoint:    "http://" + port,
		AccessKey:   "HAUL" + strings.ToUpper(rand.Text()[:16]),
		SecretKey:   (rand.Text() + rand.Text())[:40],
		Region:      Region,
		DataDir:     data,
		VersionsDir: versions,
		done:        make(chan struct{}),
		out:         &syncbuf.Buffer{},
	}
	s.cmd = exec.Command(bin,
		"--port", port,
		"--region", s.Region,
		"--keep-alive",
		"--quiet",
		"posix", "--versioning-dir", versions, data)
	s.cmd.Env = append(cleanEnv(os.Environ()),
		"ROOT_ACCESS_KEY="+s.AccessKey,
		"ROOT_SECRET_KEY="+s.SecretKey)
	s.cmd.Dir = work
	s.cmd.Stdout = s.out
	s.cmd.Stderr = s.out
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.done)
	}()
	if err := s.waitReady(); err != nil {
		_ = s.Stop()
		out := s.Output()
		if strings.Contains(out, "address already in use") {
			return nil, fmt.Errorf("start versitygw on %s: %w", port, errAddrInUse)
		}
		return nil, fmt.Errorf("start versitygw on %s: %w; its output:\n%s", port, err, out)
	}
	return s, nil
}

// waitReady polls the endpoint until versitygw itself answers an HTTP
// request, the process exits, or readyTimeout passes.
func (s *Server) waitReady() error {
	client := &http.Client{Timeout: time.Second}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.Endpoint+"/", nil)
		if err != nil {
			return fmt.Errorf("build readiness request: %w", err)
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			// Another program may have grabbed the port in the meantime:
			// only our server's answer counts.
			if strings.Contains(resp.Header.Get("Server"), "VERSITYGW") {
				return nil
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("versitygw exited early: %v", s.cmd.ProcessState)
		case <-ctx.Done():
			return fmt.Errorf("versitygw did not answer on %s within %v", s.Endpoint, readyTimeout)
		case <-tick.C:
		}
	}
}

// Stop ends the server: SIGTERM, then SIGKILL if it has not exited within a
// grace period. It is idempotent and is called by the cleanup Start
// registers; tests call it directly to simulate a server that went away.
func (s *Server) Stop() error {
	var err error
	s.stop.Do(func() {
		select {
		case <-s.done:
			return
		default:
		}
		if runtime.GOOS == "windows" || s.cmd.Process.Signal(syscall.SIGTERM) != nil {
			_ = s.cmd.Process.Kill()
		}
		select {
		case <-s.done:
		case <-time.After(stopGrace):
			_ = s.cmd.Process.Kill()
			select {
			case <-s.done:
			case <-time.After(stopGrace):
				err = fmt.Errorf("stop versitygw pid %d: still running after SIGKILL", s.cmd.Process.Pid)
			}
		}
	})
	return err
}

// Output returns what the server has written to stdout and stderr so far.
func (s *Server) Output() string {
	return s.out.String()
}

// freePort returns a loopback address with a port that was free a moment ago.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	return addr, nil
}

// cleanEnv drops variables that versitygw would read as flags (VGW_*, the
// ROOT_* keys and a few others), so a developer's environment cannot change
// the server the tests get.
func cleanEnv(env []string) []string {
	var kept []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "VGW_"), strings.HasPrefix(name, "ROOT_"),
			name == "LOGFILE", name == "WEBHOOK":
			continue
		}
		kept = append(kept, kv)
	}
	return kept
}
