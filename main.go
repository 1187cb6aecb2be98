// Command haul is a desktop file browser for Backblaze B2 buckets.
//
//	haul [-v] [-sandbox] [b2://bucket/folder/ | b2://bucket/key]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/haul-app/haul/assets"
	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/store/sandbox"
	"github.com/haul-app/haul/syncer"
	"github.com/haul-app/haul/ui"
)

func main() {
	verbose := flag.Bool("v", false, "log debug messages")
	forceSandbox := flag.Bool("sandbox", false, "run the built-in sandbox even when accounts exist")
	showVersion := flag.Bool("version", false, "print Haul's version and exit")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to `file` (go tool pprof reads it)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: haul [-v] [-sandbox] [b2://bucket/folder/ | b2://bucket/key]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *showVersion {
		fmt.Println("haul", appVersion())
		return
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})))
	stop, err := startProfile(*cpuProfile)
	if err == nil {
		err = run(*forceSandbox, flag.Args())
		stop()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "haul:", err)
		os.Exit(1)
	}
}

// startProfile writes a CPU profile to path until stop is called; an empty
// path profiles nothing.
func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			slog.Warn("cpu profile", "err", err)
		}
	}, nil
}

func run(forceSandbox bool, args []string) error {
	if err := checkDisplay(); err != nil {
		return err
	}
	var start ui.Location
	if len(args) > 1 {
		return errors.New("give at most one location, like b2://bucket/folder/")
	}
	if len(args) == 1 {
		loc, err := ui.ParseLocation(args[0])
		if err != nil {
			return err
		}
		start = loc
	}

	deps := ui.Deps{Start: start, Authorize: (&store.Authorizer{}).Authorize}
	dir, err := store.DefaultConfigDir()
	if err != nil {
		return err
	}
	deps.About = ui.AboutInfo{Version: appVersion(), SettingsDir: dir, JournalDir: filepath.Join(dir, "transfers")}
	accounts, warning, err := store.OpenAccounts(dir, store.NewKeychain())
	if err != nil {
		return err
	}
	if warning != nil {
		slog.Warn("settings", "err", warning)
		deps.Notices = append(deps.Notices, ui.Sentence(warning))
	}
	deps.Accounts = accounts
	deps.Keys = accounts
	deps.SyncPairs = syncer.OpenPairs(dir)
	if notice := addEnvAccount(accounts); notice != "" {
		deps.Notices = append(deps.Notices, notice)
	}

	var sb *sandbox.Sandbox
	if forceSandbox || len(accounts.List()) == 0 {
		sb, err = startSandbox()
		if err != nil {
			slog.Warn("sandbox", "err", err)
			deps.Notices = append(deps.Notices, "The built-in sandbox could not start: "+err.Error()+".")
		} else {
			defer func() {
				if err := sb.Close(); err != nil {
					slog.Warn("sandbox", "err", err)
				}
				if !sb.Persistent {
					os.RemoveAll(sb.Dir)
				}
			}()
			deps.Sandbox = &ui.SandboxInfo{Account: sb.Account(), Dir: sb.Dir, Persistent: sb.Persistent, Bucket: sandbox.PrivateBucket}
			if !forceSandbox || start.Bucket == "" {
				deps.StartAccount = sb.Account().ID
			}
		}
	}
	conns := &connections{accounts: accounts, sandbox: sb}
	defer conns.closeAll() // before the sandbox stops: its shutdown waits for open connections
	qs := &queues{dir: deps.About.JournalDir, clients: conns}
	defer qs.closeAll() // before the clients close: queues stop their workers first
	deps.Connect = conns.connect
	deps.OpenQueue = qs.open

	a := app.NewWithID("app.haul.desktop")
	a.SetIcon(fyne.NewStaticResource("icon.svg", assets.IconSVG))
	ui.ApplyAppearance(a)
	deps.Shell = desktopShell(a)
	quitOnSignal(a)
	ui.NewWindow(a, deps).ShowAndRun()
	return nil
}

// quitOnSignal closes the app cleanly on Ctrl+C or SIGTERM, so the sandbox
// is stopped and its temporary data removed. Fyne catches these signals
// too, once running; ours also stops the widgets' background work first,
// and covers a signal that arrives before the event loop starts.
func quitOnSignal(a fyne.App) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		ui.Quitting() // first: Fyne's own handler may be stopping its loop already
		slog.Info("quitting on signal")
		fyne.Do(a.Quit)
	}()
}

// journalName turns an account ID into a folder name that is safe on every
// system.
func journalName(id string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, id)
}

// addEnvAccount makes B2_APPLICATION_KEY_ID and B2_APPLICATION_KEY a
// session account, discovering its endpoint unless HAUL_S3_ENDPOINT gives
// one. It returns a sentence for the person when that fails.
func addEnvAccount(accounts *store.Accounts) string {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	acct, secret, ok, err := store.ResolveEnv(ctx, os.Getenv, &store.Authorizer{})
	if !ok && err == nil {
		return ""
	}
	if err == nil {
		err = accounts.SetSession(acct, secret)
	}
	if err != nil {
		slog.Warn("environment account", "err", err)
		return "The account from B2_APPLICATION_KEY_ID could not be used: " + ui.Sentence(err)
	}
	return ""
}

// startSandbox runs the sandbox in the user's cache folder, or in a
// temporary folder when there is none (then its data goes when Haul quits).
func startSandbox() (*sandbox.Sandbox, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if dir := os.Getenv("HAUL_SANDBOX_DIR"); dir != "" {
		return sandbox.Start(ctx, dir, true)
	}
	if dir, err := sandbox.DefaultDir(); err == nil {
		if sb, err := sandbox.Start(ctx, dir, true); err == nil {
			return sb, nil
		} else {
			slog.Warn("sandbox in cache folder", "err", err)
		}
	}
	tmp, err := os.MkdirTemp("", "haul-sandbox-")
	if err != nil {
		return nil, err
	}
	return sandbox.Start(ctx, tmp, false)
}

// desktopShell is the app's notifications and tray icon, or nil where they
// cannot work: on Linux and the BSDs both go through the session D-Bus,
// and without one Fyne's tray crashes as the app quits.
func desktopShell(a fyne.App) ui.Shell {
	if runtime.GOOS == "linux" || strings.HasSuffix(runtime.GOOS, "bsd") {
		_, err := os.Stat(filepath.Join(os.Getenv("XDG_RUNTIME_DIR"), "bus"))
		if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" && (os.Getenv("XDG_RUNTIME_DIR") == "" || err != nil) {
			slog.Info("no session D-Bus: no tray icon and no notifications")
			return nil
		}
	}
	s, _ := a.(ui.Shell)
	return s
}

// checkDisplay says clearly what GLFW would otherwise panic about.
func checkDisplay() error {
	if runtime.GOOS != "linux" && runtime.GOOS != "freebsd" {
		return nil
	}
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errors.New("no display: Haul is a desktop app and needs a graphical session (DISPLAY or WAYLAND_DISPLAY is not set); to try it headless, run it under xvfb-run")
	}
	return nil
}
