package b2proxy_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haul-app/haul/store/b2proxy"
)

func TestErrorFaults(t *testing.T) {
	up := newUpstream(t, 1024)
	p := b2proxy.New(t, up.URL)
	xmlHead := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n<Error>\n    <Code>"
	tests := []struct {
		name           string
		fault          b2proxy.Fault
		method         string
		wantStatus     int
		wantType       string
		wantBody       string // prefix
		wantRetryAfter string
	}{
		{"internal error", b2proxy.Fault{Kind: b2proxy.InternalError}, "GET", 500, "application/json",
			`{"code":"internal_error","message":"incident id 1a2b3c4d5e6f-0123456789abcdef","status":500}`, ""},
		{"internal error with id on upload", b2proxy.Fault{Kind: b2proxy.InternalError, IncidentID: "feedc0de-42"}, "PUT", 500,
			"application/json", `{"code":"internal_error","message":"incident id feedc0de-42","status":500}`, ""},
		{"slow down", b2proxy.Fault{Kind: b2proxy.ServiceUnavailable}, "GET", 503, "application/xml",
			xmlHead + "SlowDown</Code>\n    <Message>Please reduce your request rate.</Message>\n</Error>", "1"},
		{"slow down on upload", b2proxy.Fault{Kind: b2proxy.ServiceUnavailable, RetryAfter: 5}, "PUT", 503, "application/xml",
			xmlHead + "SlowDown</Code>", "5"},
		{"slow down without retry-after", b2proxy.Fault{Kind: b2proxy.ServiceUnavailable, RetryAfter: -1}, "GET", 503,
			"application/xml", xmlHead + "SlowDown</Code>", ""},
		{"too many requests", b2proxy.Fault{Kind: b2proxy.TooManyRequests, RetryAfter: 2}, "GET", 429, "application/xml",
			xmlHead + "TooManyRequests</Code>", "2"},
		{"request timeout", b2proxy.Fault{Kind: b2proxy.RequestTimeout}, "PUT", 408, "application/xml",
			xmlHead + "RequestTimeout</Code>", ""},
		{"head gets no body", b2proxy.Fault{Kind: b2proxy.ServiceUnavailable}, "HEAD", 503, "application/xml", "", "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := up.count()
			in := p.Inject(tt.fault)
			var body io.Reader
			if tt.method == "PUT" {
				body = bytes.NewReader(make([]byte, 3<<20)) // drained, not forwarded
			}
			resp, got, err := do(t, tt.method, p.URL+"/bkt/key", body, nil)
			if err != nil {
				t.Fatalf("request: %v", err)
			}
			if resp.StatusCode != tt.wantStatus || resp.Header.Get("Content-Type") != tt.wantType {
				t.Errorf("answer %d %q, want %d %q", resp.StatusCode, resp.Header.Get("Content-Type"), tt.wantStatus, tt.wantType)
			}
			if !strings.HasPrefix(string(got), tt.wantBody) || (tt.method == "HEAD") != (len(got) == 0) {
				t.Errorf("body %q, want prefix %q", got, tt.wantBody)
			}
			if ra := resp.Header.Get("Retry-After"); ra != tt.wantRetryAfter {
				t.Errorf("Retry-After %q, want %q", ra, tt.wantRetryAfter)
			}
			if up.count() != before {
				t.Error("faulted request reached the upstream")
			}
			if in.Fired() != 1 {
				t.Errorf("Fired() = %d, want 1", in.Fired())
			}
			reqs := p.Requests()
			if last := reqs[len(reqs)-1]; last.Fault != tt.fault.Kind || last.Status != tt.wantStatus {
				t.Errorf("recorded %v %d, want %v %d", last.Fault, last.Status, tt.fault.Kind, tt.wantStatus)
			}
			// Fired once: the next request goes through.
			if resp, _, err := do(t, tt.method, p.URL+"/bkt/key", nil, nil); err != nil || resp.StatusCode != 200 {
				t.Errorf("request after the fault: %v %v", resp, err)
			}
		})
	}
}

func TestDropMidResponse(t *testing.T) {
	up := newUpstream(t, 1<<20)
	p := b2proxy.New(t, up.URL)
	for _, tt := range []struct {
		fault b2proxy.Fault
		want  int
	}{
		{b2proxy.Fault{Kind: b2proxy.DropMidResponse}, 1 << 19},
		{b2proxy.Fault{Kind: b2proxy.DropMidBody, DropAfter: 100_000}, 100_000},
	} {
		before := up.count()
		p.Inject(tt.fault)
		resp, body, err := do(t, "GET", p.URL+"/bkt/key", nil, nil)
		if resp == nil || resp.StatusCode != 200 || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%v: GET = %v, %v; want 200 then unexpected EOF", tt.fault.Kind, resp, err)
		}
		if len(body) != tt.want {
			t.Errorf("%v: got %d body bytes before the drop, want %d", tt.fault.Kind, len(body), tt.want)
		}
		if up.count() != before+1 {
			t.Errorf("%v: a response drop must still reach the upstream", tt.fault.Kind)
		}
	}
	if resp, body, err := do(t, "GET", p.URL+"/bkt/key", nil, nil); err != nil || len(body) != 1<<20 {
		t.Errorf("GET after the faults = %v, %d bytes, %v", resp, len(body), err)
	}
}

func TestDropMidRequest(t *testing.T) {
	up := newUpstream(t, 16)
	p := b2proxy.New(t, up.URL)
	for _, kind := range []b2proxy.Kind{b2proxy.DropMidRequest, b2proxy.DropMidBody} {
		p.Inject(b2proxy.Fault{Op: "UploadPart", Kind: kind})
		_, _, err := do(t, "PUT", p.URL+"/bkt/key?partNumber=1&uploadId=u", bytes.NewReader(make([]byte, 4<<20)), nil)
		if err == nil {
			t.Errorf("%v: upload through a dropped connection succeeded", kind)
		}
		t.Logf("%v: client saw %v", kind, err)
		reqs := p.Requests()
		if last := reqs[len(reqs)-1]; last.Fault != kind || last.Status != 0 {
			t.Errorf("%v: recorded fault %v status %d, want the drop and no status", kind, last.Fault, last.Status)
		}
	}
	if up.count() != 0 {
		t.Errorf("dropped uploads reached the upstream %d times", up.count())
	}
	if got := p.PartsSent("u"); len(got) != 2 || got[0] != 1 || got[1] != 1 {
		t.Errorf("PartsSent = %v, want [1 1]", got)
	}
}

func TestLatency(t *testing.T) {
	up := newUpstream(t, 16)
	p := b2proxy.New(t, up.URL)
	const delay = 300 * time.Millisecond
	p.Inject(b2proxy.Fault{Op: "GetObject", Kind: b2proxy.Latency, Delay: delay})
	start := time.Now()
	resp, _, err := do(t, "GET", p.URL+"/bkt/key", nil, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("slow GET = %v, %v", resp, err)
	}
	if took := time.Since(start); took < delay {
		t.Errorf("slow GET took %v, want at least %v", took, delay)
	}
	if up.count() != 1 {
		t.Errorf("slow request reached the upstream %d times, want 1", up.count())
	}

	// A client that gives up stops the wait; nothing reaches the upstream.
	p.Inject(b2proxy.Fault{Kind: b2proxy.Latency, Delay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", p.URL+"/bkt/key", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Error("request with an hour of latency returned before its deadline")
	}
	if up.count() != 1 {
		t.Errorf("abandoned slow request reached the upstream")
	}
}

// TestSlowResponse sends the whole answer, at the fault's pace: 512 KiB at
// 1 MiB/s takes about half a second (its burst lets the first 16 KiB go at
// once), and the next request is at full speed again.
func TestSlowResponse(t *testing.T) {
	up := newUpstream(t, 512<<10)
	p := b2proxy.New(t, up.URL)
	p.Inject(b2proxy.Fault{Op: "GetObject", Kind: b2proxy.SlowResponse, Rate: 1 << 20})
	start := time.Now()
	resp, body, err := do(t, "GET", p.URL+"/bkt/key", nil, nil)
	if err != nil || resp.StatusCode != 200 || len(body) != 512<<10 {
		t.Fatalf("slow GET = %v, %d bytes, %v; want 200 and the whole body", resp, len(body), err)
	}
	if took := time.Since(start); took < 450*time.Millisecond {
		t.Errorf("512 KiB at 1 MiB/s took %v, want about half a second", took)
	}
	if last := p.Requests()[len(p.Requests())-1]; last.Fault != b2proxy.SlowResponse {
		t.Errorf("recorded fault %v, want SlowResponse", last.Fault)
	}
	if resp, body, err := do(t, "GET", p.URL+"/bkt/key", nil, nil); err != nil || len(body) != 512<<10 {
		t.Errorf("GET after the fault = %v, %d bytes, %v", resp, len(body), err)
	}
}

func TestTimesAfterMatchAndOrder(t *testing.T) {
	up := newUpstream(t, 16)
	p := b2proxy.New(t, up.URL)
	statuses := func(method, path string, n int) []int {
		var out []int
		for range n {
			resp, _, err := do(t, method, p.URL+path, nil, nil)
			if err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			out = append(out, resp.StatusCode)
		}
		return out
	}
	check := func(name string, got []int, want ...int) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s: statuses %v, want %v", name, got, want)
		}
	}

	in := p.Inject(b2proxy.Fault{Op: "GetObject", Kind: b2proxy.ServiceUnavailable, Times: 2, After: 1})
	check("HeadObject is another operation", statuses("HEAD", "/b/k", 2), 200, 200)
	check("After 1, Times 2", statuses("GET", "/b/k", 4), 200, 503, 503, 200)
	if in.Fired() != 2 {
		t.Errorf("Fired() = %d, want 2", in.Fired())
	}

	p.Inject(b2proxy.Fault{Kind: b2proxy.TooManyRequests, Times: b2proxy.Forever})
	check("Forever", statuses("GET", "/", 3), 429, 429, 429)
	p.ClearFaults()
	check("after ClearFaults", statuses("GET", "/", 1), 200)

	p.Inject(b2proxy.Fault{Op: "UploadPart", Kind: b2proxy.InternalError, Times: b2proxy.Forever,
		Match: func(r *http.Request) bool { return r.URL.Query().Get("partNumber") == "2" }})
	check("Match part 2", statuses("PUT", "/b/k?partNumber=1&uploadId=u", 1), 200)
	check("Match part 2", statuses("PUT", "/b/k?partNumber=2&uploadId=u", 1), 500)
	p.ClearFaults()

	// The first fault hits; the second counts that request towards its After.
	p.Inject(b2proxy.Fault{Op: "GetObject", Kind: b2proxy.InternalError})
	p.Inject(b2proxy.Fault{Op: "GetObject", Kind: b2proxy.TooManyRequests, After: 1})
	check("two faults in order", statuses("GET", "/b/k", 3), 500, 429, 200)

	if got := p.PartsSent("u"); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("PartsSent = %v, want [1 2]", got)
	}
}
