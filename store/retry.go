package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddle "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Retry describes one failed attempt of a remote operation that is about to
// be tried again. It is what a function given to WithRetryNotice receives.
type Retry struct {
	// Attempt is the attempt that just failed, counting from 1.
	Attempt int
	// Max is how many attempts the operation gets for this kind of failure:
	// fewer for a server that cannot be reached at all (see
	// FastGiveUpAttempts) than for one that answers 500, 503 or 429.
	Max int
	// Reason says in a few words what went wrong, such as
	// "connection refused", "timed out", "HTTP 503 SlowDown",
	// "HTTP 500 internal_error (incident id ...)", "HTTP 429" or
	// "connection dropped".
	Reason string
	// Delay is how long Haul waits before the next attempt, or 0 when it
	// is not known.
	Delay time.Duration
	// Err is the attempt's error as a *Error, so errors.Is with the Err...
	// kinds works on it.
	Err error
}

// FastGiveUpAttempts is how many attempts an operation gets when nothing
// answers: the connection is refused, the host name does not resolve, or
// connecting times out. A server that answers, even with 503, gets
// Config.MaxAttempts.
const FastGiveUpAttempts = 3

// fastBackoff is the wait before the second and third attempt at a server
// that could not be reached: about two seconds in all, so a person sees
// "unreachable" quickly instead of after minutes of backoff.
var fastBackoff = [...]time.Duration{500 * time.Millisecond, 1500 * time.Millisecond}

type retryNoticeKey struct{}

// WithRetryNotice returns a context that makes every operation run with it
// call fn each time an attempt failed and is going to be retried, before
// the wait. fn runs on the goroutine of the operation, so it must be quick
// and must not block (in the UI: hand the Retry to fyne.Do). Attempts are
// counted per operation call: two calls made with the same context each
// start at attempt 1.
func WithRetryNotice(ctx context.Context, fn func(Retry)) context.Context {
	return context.WithValue(ctx, retryNoticeKey{}, fn)
}

func retryNotice(ctx context.Context) func(Retry) {
	fn, _ := ctx.Value(retryNoticeKey{}).(func(Retry))
	return fn
}

// opAttempts counts the failed attempts of one operation call. The SDK
// makes an operation's attempts one after another, so it needs no lock.
type opAttempts struct{ failed int }

type opAttemptsKey struct{}

// attemptError marks the error of one failed attempt with its number, so
// the retryer can tell how often this operation failed, give up early on an
// unreachable server, and report the wait it chose. Error and Unwrap make
// it invisible to everything else.
type attemptError struct {
	err     error
	attempt int
	fast    bool // nothing answered: the short limit applies
	giveUp  bool // the short limit is reached
	delay   time.Duration
	delayed bool // delay was chosen by GetRetryToken
}

func (e *attemptError) Error() string { return e.err.Error() }
func (e *attemptError) Unwrap() error { return e.err }

// addRetryCounter puts a fresh attempt counter into the context of every
// operation call, and a middleware inside the SDK's retry loop that numbers
// each failed attempt. Stacks without a retry loop (presigning) are left
// alone.
func addRetryCounter(stack *middleware.Stack) error {
	if _, ok := stack.Finalize.Get("Retry"); !ok {
		return nil
	}
	err := stack.Initialize.Add(middleware.InitializeMiddlewareFunc("HaulAttemptCounter",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
			middleware.InitializeOutput, middleware.Metadata, error,
		) {
			return next.HandleInitialize(context.WithValue(ctx, opAttemptsKey{}, &opAttempts{}), in)
		}), middleware.Before)
	if err != nil {
		return err
	}
	return stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("HaulAttemptNumber",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
			middleware.FinalizeOutput, middleware.Metadata, error,
		) {
			out, md, err := next.HandleFinalize(ctx, in)
			counter, ok := ctx.Value(opAttemptsKey{}).(*opAttempts)
			if err == nil || !ok {
				return out, md, err
			}
			counter.failed++
			ae := &attemptError{err: err, attempt: counter.failed, fast: unanswered(err)}
			ae.giveUp = ae.fast && ae.attempt >= FastGiveUpAttempts
			return out, md, ae
		}), "Retry", middleware.After)
}

// noticeRetryer wraps the retryer with the per-operation behaviour that
// needs the attempt count: the early give-up on an unreachable server, the
// short waits before it, and the notice to WithRetryNotice's function.
type noticeRetryer struct {
	aws.RetryerV2
}

// IsErrorRetryable refuses what must never be retried (a redirect) and an
// unreachable server that has had its FastGiveUpAttempts.
func (r noticeRetryer) IsErrorRetryable(err error) bool {
	var ae *attemptError
	if errors.As(err, &ae) && ae.giveUp {
		return false
	}
	var re *RedirectError
	if errors.As(err, &re) {
		return false
	}
	return r.RetryerV2.IsErrorRetryable(err)
}

// GetRetryToken is called by the SDK once it has decided to retry, just
// before it asks for the delay and waits: the moment to choose the delay
// and tell the caller.
func (r noticeRetryer) GetRetryToken(ctx context.Context, opErr error) (func(error) error, error) {
	release, err := r.RetryerV2.GetRetryToken(ctx, opErr)
	if err != nil {
		return release, err
	}
	var ae *attemptError
	if !errors.As(opErr, &ae) {
		return release, nil
	}
	maxAttempts := r.MaxAttempts()
	if ae.fast {
		maxAttempts = min(maxAttempts, FastGiveUpAttempts)
		ae.delay = fastBackoff[min(ae.attempt, len(fastBackoff))-1]
	} else if d, derr := r.RetryerV2.RetryDelay(ae.attempt, opErr); derr == nil {
		ae.delay = d
	}
	ae.delayed = true
	if fn := retryNotice(ctx); fn != nil {
		fn(Retry{
			Attempt: ae.attempt,
			Max:     maxAttempts,
			Reason:  retryReason(ae.err),
			Delay:   ae.delay,
			Err:     wrapErr(awsmiddle.GetOperationName(ctx), "", "", ae.err),
		})
	}
	return release, nil
}

// RetryDelay returns the delay GetRetryToken chose, so the wait is the one
// the notice announced.
func (r noticeRetryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	var ae *attemptError
	if errors.As(err, &ae) && ae.delayed {
		return ae.delay, nil
	}
	return r.RetryerV2.RetryDelay(attempt, err)
}

// unanswered reports whether err means no server answered at all: the
// connection was refused, the host name does not resolve, or connecting
// timed out. Retrying those for minutes only hides the problem.
func unanswered(err error) bool {
	switch retryReason(err) {
	case "connection refused", "no such host", "connecting timed out":
		return true
	}
	return false
}

// retryReason puts err into the few words a status line can show.
func retryReason(err error) string {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var re *smithyhttp.ResponseError
	switch {
	case errors.As(err, &re) && re.Response != nil && re.Response.StatusCode != 0:
		return statusReason(err, re.Response.StatusCode)
	case errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "connection refused"):
		return "connection refused"
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return "no such host"
	case errors.As(err, &opErr) && opErr.Op == "dial" && opErr.Timeout():
		return "connecting timed out"
	case isTimeout(err):
		return "timed out"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET),
		strings.Contains(err.Error(), "connection reset"), strings.Contains(err.Error(), "EOF"):
		return "connection dropped"
	}
	return rootCause(err).Error()
}

// statusReason is "HTTP <status> <code>", with B2's incident id when there
// is one.
func statusReason(err error, status int) string {
	e := asStoreError(wrapErr("", "", "", err))
	s := fmt.Sprintf("HTTP %d", status)
	if e == nil {
		return s
	}
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.IncidentID != "" {
		s += " (incident id " + e.IncidentID + ")"
	}
	return s
}

func asStoreError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &t) && t.Timeout())
}
