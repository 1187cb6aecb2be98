package store

import (
	"fmt"
	"net/http"
	"net/url"
)

// RedirectError is a redirect that Haul refused to follow. B2 never
// redirects, so one means the endpoint is not B2, or something between Haul
// and B2 rewrites answers; following it could send a signed request, or the
// data of an upload, to another host, even over plain http. Errors carrying
// it are of kind ErrRedirect.
type RedirectError struct {
	From string // the server that answered, as scheme://host
	To   string // where it pointed, as scheme://host/path (no query, no credentials)
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("the server at %s answered with a redirect to %s; B2 never redirects, so Haul does not follow it",
		e.From, e.To)
}

// refuseRedirect is the CheckRedirect of every HTTP client Haul makes.
func refuseRedirect(req *http.Request, via []*http.Request) error {
	from := ""
	if len(via) > 0 {
		from = showURL(via[len(via)-1].URL, false)
	}
	return &RedirectError{From: from, To: showURL(req.URL, true)}
}

// refusingRedirects returns c, or a copy of it that refuses redirects when
// c does not say what to do with them.
func refusingRedirects(c *http.Client) *http.Client {
	if c.CheckRedirect != nil {
		return c
	}
	cp := *c
	cp.CheckRedirect = refuseRedirect
	return &cp
}

// showURL is u without credentials, query or fragment, and with the path
// only when withPath is set: safe to put in an error.
func showURL(u *url.URL, withPath bool) string {
	if u == nil {
		return "(nowhere)"
	}
	s := &url.URL{Scheme: u.Scheme, Host: u.Host}
	if withPath {
		s.Path = u.Path
	}
	return s.String()
}
