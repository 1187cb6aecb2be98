package syncer

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/haul-app/haul/internal/atomicfile"
)

// PairsFile is the name of the saved pairs' file in its folder.
const PairsFile = "sync-pairs.json"

// SavedPair is a sync pair a person kept to run again, with its last run.
type SavedPair struct {
	ID      string     `json:"id"`
	Name    string     `json:"name,omitempty"`
	Pair    Pair       `json:"pair"`
	Created time.Time  `json:"created"`
	LastRun *RunRecord `json:"lastRun,omitempty"`
}

// RunRecord is what one run of a saved pair did, in a few numbers.
type RunRecord struct {
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Copied and Removed count what was done; Same and Refused what the
	// comparison found; Failed what did not happen.
	Copied  Tally `json:"copied"`
	Removed Tally `json:"removed"`
	Same    int   `json:"same"`
	Refused int   `json:"refused"`
	Failed  int   `json:"failed"`
	// Pending is how many removals wait for the person's consent.
	Pending int `json:"pending,omitempty"`
	// Err is the run's error as text, "" when it ran to the end.
	Err string `json:"err,omitempty"`
}

// RecordOf sums up a run's result and error for saving.
func RecordOf(res Result, err error) RunRecord {
	r := RunRecord{
		Started: res.Started, Finished: res.Finished, Copied: res.Copied, Removed: res.Removed,
		Same: res.Summary.Same.Files, Refused: res.Summary.Refused.Files, Failed: len(res.Failed),
		Pending: len(res.Pending),
	}
	if err != nil {
		r.Err = err.Error()
	}
	return r
}

// pairsDoc is the file's content: pairs per account name.
type pairsDoc struct {
	Version  int                    `json:"version"`
	Accounts map[string][]SavedPair `json:"accounts"`
}

// Pairs keeps saved pairs per account in one small JSON file (0600,
// replaced atomically), beside Haul's settings. Safe for concurrent use
// within one process.
type Pairs struct {
	path string
	mu   sync.Mutex
}

// OpenPairs returns the saved pairs kept in dir (made 0700 on first save).
// Nothing is read until asked.
func OpenPairs(dir string) *Pairs {
	return &Pairs{path: filepath.Join(dir, PairsFile)}
}

// ErrNoPair means no saved pair has the ID asked for.
var ErrNoPair = errors.New("no such saved sync pair")

func (s *Pairs) load() (pairsDoc, error) {
	doc := pairsDoc{Version: 1, Accounts: map[string][]SavedPair{}}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return doc, nil
	}
	if err != nil {
		return doc, fmt.Errorf("read saved sync pairs: %w", err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return doc, fmt.Errorf("read saved sync pairs %s: %w", s.path, err)
	}
	if doc.Accounts == nil {
		doc.Accounts = map[string][]SavedPair{}
	}
	return doc, nil
}

// change loads, edits and writes the file. A file that cannot be parsed is
// moved aside (".broken-<time>") rather than lost, and a fresh one begun.
func (s *Pairs) change(edit func(*pairsDoc) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	doc, err := s.load()
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syn) || errors.As(err, &typ) {
		if _, merr := atomicfile.MoveAside(s.path, time.Now()); merr != nil {
			return err
		}
		doc, err = pairsDoc{Version: 1, Accounts: map[string][]SavedPair{}}, nil
	}
	if err != nil {
		return err
	}
	if err := edit(&doc); err != nil {
		return err
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return fmt.Errorf("save sync pairs: %w", err)
	}
	if err := atomicfile.WriteFile(s.path, b); err != nil {
		return fmt.Errorf("save sync pairs: %w", err)
	}
	return nil
}

// List returns an account's saved pairs in the order they were saved.
func (s *Pairs) List(account string) ([]SavedPair, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	doc, err := s.load()
	return doc.Accounts[account], err
}

// Save adds a pair to an account, or replaces the one with the same ID. A
// pair without ID gets a new one, and Created if it has none; the saved
// pair is returned. The pair must pass Pair.Validate.
func (s *Pairs) Save(account string, sp SavedPair) (SavedPair, error) {
	if err := sp.Pair.Validate(); err != nil {
		return sp, err
	}
	if sp.ID == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		sp.ID = hex.EncodeToString(b[:])
	}
	if sp.Created.IsZero() {
		sp.Created = time.Now().UTC().Truncate(time.Second)
	}
	return sp, s.change(func(d *pairsDoc) error {
		list := d.Accounts[account]
		for i := range list {
			if list[i].ID == sp.ID {
				list[i] = sp
				return nil
			}
		}
		d.Accounts[account] = append(list, sp)
		return nil
	})
}

// Delete forgets a saved pair, and its head cache; ErrNoPair if there is
// none with that ID.
func (s *Pairs) Delete(account, id string) error {
	err := s.change(func(d *pairsDoc) error {
		list := d.Accounts[account]
		for i := range list {
			if list[i].ID == id {
				d.Accounts[account] = append(list[:i], list[i+1:]...)
				return nil
			}
		}
		return ErrNoPair
	})
	if err == nil {
		os.Remove(s.HeadCache(account, id))
	}
	return err
}

// HeadCache is the file where the comparisons of a saved pair keep what
// their Head requests said (pass it to WithHeadCache), beside the pairs'
// file: names and versions of the bucket's files, never their content.
func (s *Pairs) HeadCache(account, id string) string {
	sum := sha256.Sum256([]byte(account + "\x00" + id))
	return filepath.Join(filepath.Dir(s.path), "sync-heads", hex.EncodeToString(sum[:12])+".jsonl")
}

// RecordRun keeps what a run of a saved pair did as its LastRun.
func (s *Pairs) RecordRun(account, id string, r RunRecord) error {
	return s.change(func(d *pairsDoc) error {
		for i, sp := range d.Accounts[account] {
			if sp.ID == id {
				d.Accounts[account][i].LastRun = &r
				return nil
			}
		}
		return ErrNoPair
	})
}
