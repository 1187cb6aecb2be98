package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"

	"fyne.io/fyne/v2"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/store/sandbox"
	"github.com/haul-app/haul/transfer"
	"github.com/haul-app/haul/ui"
)

// connections makes the S3 clients of accounts, one per account, and
// closes them all at the end. Safe for concurrent use.
type connections struct {
	accounts *store.Accounts
	sandbox  *sandbox.Sandbox // nil when not running

	mu      sync.Mutex
	clients map[string]*store.Client // by account ID
}

// connect builds the client of acct with its secret from the keychain (or
// the sandbox's own); it may block on the keychain. A second call for the
// same account replaces the first client, which is closed.
func (c *connections) connect(_ context.Context, acct store.Account) (ui.Remote, error) {
	var secret string
	if c.sandbox != nil && acct.Source == store.SandboxSource {
		secret = c.sandbox.Secret()
	} else {
		s, err := c.accounts.Secret(acct.ID)
		if err != nil {
			return nil, err
		}
		secret = s
	}
	cfg := acct.ClientConfig(secret)
	cfg.Keys = c.accounts.KeyRing(acct.ID)
	client, err := store.NewClient(cfg)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.clients == nil {
		c.clients = map[string]*store.Client{}
	}
	if old := c.clients[acct.ID]; old != nil {
		old.Close()
	}
	c.clients[acct.ID] = client
	return client, nil
}

// client is the account's client made by connect, or nil.
func (c *connections) client(id string) *store.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.clients[id]
}

// closeAll drops every client's idle connections.
func (c *connections) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, client := range c.clients {
		client.Close()
	}
}

// queues holds one transfer queue per account, made the first time it is
// asked for, each with its journal in dir/<account>. Queues keep running
// when the person switches accounts. Safe for concurrent use.
type queues struct {
	dir     string
	clients *connections

	mu   sync.Mutex
	byID map[string]*transfer.Queue
}

// open returns the account's queue, creating it (and reading its journal)
// the first time; the account must have been connected. A warning (a
// damaged journal) comes with a working queue.
func (q *queues) open(acct store.Account) (ui.Queue, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if existing, ok := q.byID[acct.ID]; ok {
		return existing, nil
	}
	c := q.clients.client(acct.ID)
	if c == nil {
		return nil, fmt.Errorf("transfers of %s: the account is not connected", acct.Name)
	}
	opts := transfer.DefaultOptions()
	opts.JournalDir = filepath.Join(q.dir, journalName(acct.ID))
	prefs := fyne.CurrentApp().Preferences()
	opts.MaxConnections = prefs.IntWithFallback(ui.PrefMaxConnections, opts.MaxConnections)
	opts.PartsPerFile = prefs.IntWithFallback(ui.PrefPartsPerFile, opts.PartsPerFile)
	opts.UploadLimit = prefs.Float(ui.PrefUploadMBs) * 1e6
	opts.DownloadLimit = prefs.Float(ui.PrefDownloadMBs) * 1e6
	queue, warning, err := transfer.NewQueue(c, opts)
	if err != nil {
		return nil, err
	}
	if q.byID == nil {
		q.byID = map[string]*transfer.Queue{}
	}
	q.byID[acct.ID] = queue
	return queue, warning
}

// closeAll stops every queue, which keeps its journal for the next start.
func (q *queues) closeAll() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for id, queue := range q.byID {
		if err := queue.Close(); err != nil {
			slog.Warn("transfer queue", "account", id, "err", err)
		}
	}
}
