package ui

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/haul-app/haul/store"
)

// Sentence turns any error into one sentence a person can act on. It is the
// only place the UI words failures; the raw error goes to the log.
func Sentence(err error) string {
	if err == nil {
		return ""
	}
	slog.Debug("shown to user", "err", err)
	var se *store.Error
	detail := ""
	if errors.As(err, &se) {
		if d := se.Detail(); d != "" {
			detail = " (" + d + ")"
		}
	}
	var s string
	var pe *fs.PathError // a local file
	switch {
	case errors.Is(err, store.ErrCanceled):
		return "Cancelled."
	case errors.Is(err, store.ErrBucketNotFound):
		s = "That bucket does not exist any more, or this key cannot see it."
	case errors.Is(err, store.ErrNotFound):
		s = "That file or folder does not exist any more."
	case errors.Is(err, store.ErrInvalidCredentials):
		s = "B2 refused the key: check the key ID and application key, or whether the key was deleted or has expired."
	case errors.Is(err, store.ErrLocked):
		s = "Object Lock keeps this version: it is under retention or legal hold, and nobody can delete or overwrite it until that ends."
	case errors.Is(err, store.ErrAccessDenied):
		s = "This application key is not allowed to do that; give it the capability in the B2 web console or use another key."
	case errors.Is(err, store.ErrThrottled):
		s = "B2 is asking Haul to slow down and kept refusing after several retries; try again in a minute."
	case errors.Is(err, store.ErrServer):
		s = "B2 had an internal error and kept failing after several retries; try again later."
	case errors.Is(err, store.ErrUnreachable):
		s = "Haul could not reach B2: check the network connection and the endpoint."
	case errors.Is(err, store.ErrBucketNotEmpty):
		s = "The bucket still holds files or versions; empty it first."
	case errors.Is(err, store.ErrBucketExists):
		s = "That bucket name is taken; bucket names are unique across all of B2."
	case errors.Is(err, store.ErrTooManyBuckets):
		s = "The account already has 100 buckets, B2's limit; delete one first."
	case errors.Is(err, store.ErrInvalidName):
		s = "B2 does not accept that name."
	case errors.Is(err, store.ErrWrongRegion):
		s = "The endpoint expects another region than the account's: edit the account's region"
		if want := se.ExpectedRegion(); want != "" {
			s = "The endpoint expects the region " + want + ": set it as the account's region (for an account from the environment, HAUL_S3_REGION=" + want + ")."
		} else {
			s += " (for an account from the environment, HAUL_S3_REGION)."
		}
		return s
	case errors.Is(err, store.ErrRedirect):
		var re *store.RedirectError
		if errors.As(err, &re) {
			return capitalize(re.Error()) + ": check the endpoint."
		}
		return "The server answered with a redirect, which B2 never does, so Haul did not follow it: check the endpoint."
	case errors.Is(err, store.ErrKeyMissing):
		return "This file is encrypted with a customer key (SSE-C) that Haul does not hold for this account: " +
			"add that key under Encryption keys… (Paste a key) and try again."
	case errors.Is(err, store.ErrUnsupported):
		s = "B2 does not support that operation through its S3 API."
	case errors.As(err, &pe) && errors.Is(err, fs.ErrNotExist):
		return "The file " + tildeHome(pe.Path) + " is no longer on this computer: it was moved or deleted."
	case errors.As(err, &pe) && errors.Is(err, fs.ErrPermission):
		return "Haul is not allowed to open " + tildeHome(pe.Path) + ": check its permissions."
	default:
		if se != nil {
			return fmt.Sprintf("Something went wrong: %s.", se.Error())
		}
		return capitalize(err.Error()) + "."
	}
	return s + detail
}
