package syncer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/store/b2proxy"
	"github.com/haul-app/haul/store/s3test"
	"github.com/haul-app/haul/transfer"
)

// env is a versitygw server behind the B2 behaviour proxy, a client of
// the proxy, a bucket and a transfer queue with small parts.
type env struct {
	c      *store.Client
	q      *transfer.Queue
	bucket string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := s3test.Start(t)
	p := b2proxy.New(t, srv.Endpoint)
	c, err := store.NewClient(store.Config{
		Endpoint: p.URL, Region: srv.Region, KeyID: srv.AccessKey, Key: srv.SecretKey,
		MaxBackoff: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	e := &env{c: c, bucket: "haul-sync"}
	if err := c.CreateBucket(context.Background(), e.bucket, store.Private); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	q, warning, err := transfer.NewQueue(c, transfer.Options{PartSize: 5 << 20, Threshold: 10 << 20, JournalDir: t.TempDir()})
	if err != nil || warning != nil {
		t.Fatalf("NewQueue: %v (warning %v)", err, warning)
	}
	e.q = q
	t.Cleanup(func() {
		q.Close()
		if refs := p.Refusals(); len(refs) != 0 {
			t.Errorf("the proxy refused %d requests as B2 would:\n%s", len(refs), strings.Join(refs, "\n"))
		}
	})
	return e
}

// put stores body at key, with src_last_modified_millis unless mod is zero.
func (e *env) put(t *testing.T, key, body string, mod time.Time) {
	t.Helper()
	_, err := e.c.Put(context.Background(), store.PutInput{Bucket: e.bucket, Key: key, Body: strings.NewReader(body), Modified: mod})
	if err != nil {
		t.Fatalf("Put %s: %v", key, err)
	}
}

// get reads an object whole; "" and false when it is missing or hidden.
func (e *env) get(t *testing.T, key string) (string, bool) {
	t.Helper()
	body, err := e.c.GetRange(context.Background(), e.bucket, key, "", 0, -1)
	if errors.Is(err, store.ErrNotFound) {
		return "", false
	}
	if err != nil {
		t.Fatalf("GetRange %s: %v", key, err)
	}
	defer body.Close()
	var b bytes.Buffer
	if _, err := io.Copy(&b, body); err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b.String(), true
}

// runAndCheck previews p, runs it, and checks that the run did what the
// preview showed, without failures, that OnQueued named each copy's job,
// and that a second comparison finds nothing to do.
func runAndCheck(t *testing.T, e *env, p Pair, opts ...Option) (map[string]Item, Result) {
	t.Helper()
	preview, order, sum := compareAll(t, p, e.c, opts...)
	var done []Item
	jobs := map[transfer.JobID]Item{}
	res, err := Run(context.Background(), p, e.c, e.q, append(opts, OnItem(func(it Item) { done = append(done, it) }),
		OnQueued(func(it Item, id transfer.JobID) { jobs[id] = it }))...)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(jobs) != sum.Transfer().Files {
		t.Errorf("OnQueued named %d jobs, the preview has %d copies", len(jobs), sum.Transfer().Files)
	}
	for _, j := range e.q.Snapshot().Jobs {
		if it, ok := jobs[j.ID]; ok && (j.Key != p.Key(it.Rel) || j.State != transfer.Done) {
			t.Errorf("job %v of %s: key %s, %v", j.ID, it.Rel, j.Key, j.State)
		}
	}
	for _, f := range res.Failed {
		t.Errorf("failed: %s (%v): %v", f.Item.Rel, f.Item.Action, f.Err)
	}
	if len(done) != len(order) {
		t.Errorf("the run decided %d items, the preview %d", len(done), len(order))
	}
	for i, it := range done {
		if i >= len(order) {
			break
		}
		pv := preview[order[i]]
		if it.Rel != pv.Rel || it.Action != pv.Action || it.Bytes != pv.Bytes || it.Reason != pv.Reason {
			t.Errorf("item %d: run %s %v %d (%s), preview %s %v %d (%s)", i, it.Rel, it.Action, it.Bytes, it.Reason, pv.Rel, pv.Action, pv.Bytes, pv.Reason)
		}
	}
	if res.Summary != sum {
		t.Errorf("run summary %+v, preview %+v", res.Summary, sum)
	}
	if res.Copied != sum.Transfer() || res.Removed != sum.Remove {
		t.Errorf("copied %+v removed %+v, preview said %+v and %+v", res.Copied, res.Removed, sum.Transfer(), sum.Remove)
	}
	again, _, sum2 := compareAll(t, p, e.c, opts...)
	if !sum2.Nothing() {
		for _, it := range again {
			if it.Action == New || it.Action == Changed || it.Action == Remove {
				t.Errorf("second compare: %s %v (%s)", it.Rel, it.Action, it.Reason)
			}
		}
	}
	return preview, res
}
