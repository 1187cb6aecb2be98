package b2proxy

// Lifecycle rules, answered by the proxy itself: versitygw's posix backend
// does not implement them. What B2 does is taken from Backblaze's pages
// "S3 Put Lifecycle Configuration"
// (https://www.backblaze.com/apidocs/s3-put-lifecycle-configuration),
// "S3 Get Lifecycle Configuration"
// (https://www.backblaze.com/apidocs/s3-get-lifecycle-configuration) and
// "Lifecycle Rules" (https://www.backblaze.com/docs/cloud-storage-lifecycle-rules):
//
//   - S3 rules map onto B2's own rules: Expiration (Days) is "hide" (B2's
//     daysFromUploadingToHiding), NoncurrentVersionExpiration (NoncurrentDays)
//     is "delete" (daysFromHidingToDeleting), AbortIncompleteMultipartUpload
//     (DaysAfterInitiation) is daysFromStartingToCancelingUnfinishedLargeFiles.
//     Rules of the same prefix make one B2 rule.
//   - B2 rules select files by name prefix only, count whole days, and know
//     one storage class: transitions, dates, tag and size filters and
//     NewerNoncurrentVersions have nothing to map onto and are refused.
//   - A bucket has at most 100 rules, and no rule's prefix may start with
//     another's (Lifecycle Rules).
//   - B2 always removes orphan delete markers, and GET returns a rule that
//     hides as two S3 rules of the same prefix: one with the Expiration days
//     (and the rule's other actions) and one with ExpiredObjectDeleteMarker.
//
// The pages do not give the codes and wording of B2's refusals: the 400
// InvalidArgument and MalformedXML answers below, and their messages, are
// the proxy's. Status is not checked, and whether the bucket exists is not
// either: the proxy keeps what it is given per bucket name, in memory.

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
)

// maxLifecycleRules is how many rules B2 allows one bucket.
const maxLifecycleRules = 100

// b2Rule is one of B2's lifecycle rules; 0 days means the action is unset.
type b2Rule struct {
	prefix               string
	hide, delete, cancel int
}

// s3Lifecycle is the XML of Put/GetBucketLifecycleConfiguration.
type s3Lifecycle struct {
	XMLName xml.Name `xml:"LifecycleConfiguration"`
	Rules   []s3Rule `xml:"Rule"`
}

type s3Rule struct {
	ID     string    `xml:"ID,omitempty"`
	Status string    `xml:"Status"`
	Prefix *string   `xml:"Prefix"` // the old, unfiltered form
	Filter *s3Filter `xml:"Filter"`

	Expiration                     *s3Expiration `xml:"Expiration"`
	NoncurrentVersionExpiration    *s3Noncurrent `xml:"NoncurrentVersionExpiration"`
	AbortIncompleteMultipartUpload *s3Abort      `xml:"AbortIncompleteMultipartUpload"`
	Transition                     []struct{}    `xml:"Transition"`
	NoncurrentVersionTransition    []struct{}    `xml:"NoncurrentVersionTransition"`
}

type s3Expiration struct {
	Days                      int    `xml:"Days,omitempty"`
	Date                      string `xml:"Date,omitempty"`
	ExpiredObjectDeleteMarker *bool  `xml:"ExpiredObjectDeleteMarker"`
}

type s3Noncurrent struct {
	NoncurrentDays          int `xml:"NoncurrentDays,omitempty"`
	NewerNoncurrentVersions int `xml:"NewerNoncurrentVersions,omitempty"`
}

type s3Abort struct {
	DaysAfterInitiation int `xml:"DaysAfterInitiation"`
}

type s3Filter struct {
	Prefix                *string   `xml:"Prefix"`
	Tag                   *struct{} `xml:"Tag"`
	And                   *struct{} `xml:"And"`
	ObjectSizeGreaterThan *int64    `xml:"ObjectSizeGreaterThan"`
	ObjectSizeLessThan    *int64    `xml:"ObjectSizeLessThan"`
}

// serveLifecycle answers the three lifecycle operations and reports
// whether r was one of them.
func (p *Proxy) serveLifecycle(w http.ResponseWriter, r *http.Request, rec *Request) bool {
	switch rec.Op {
	case "GetBucketLifecycleConfiguration":
		p.mu.Lock()
		rules, ok := p.lifecycles[rec.Bucket]
		p.mu.Unlock()
		if !ok {
			p.setStatus(rec, http.StatusNotFound)
			writeXMLError(w, r, http.StatusNotFound, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist")
			return true
		}
		body, err := xml.Marshal(renderLifecycle(rules))
		if err != nil {
			panic(fmt.Sprintf("b2proxy: marshal lifecycle: %v", err)) // plain structs always marshal
		}
		p.setStatus(rec, http.StatusOK)
		writeBody(w, r, http.StatusOK, "application/xml", append([]byte(xml.Header), body...))
	case "PutBucketLifecycleConfiguration":
		var cfg s3Lifecycle
		err := xml.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&cfg)
		drain(r)
		if err != nil {
			p.setStatus(rec, http.StatusBadRequest)
			writeXMLError(w, r, http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
			return true
		}
		rules, msg := b2Rules(cfg)
		if msg != "" {
			p.setStatus(rec, http.StatusBadRequest)
			writeXMLError(w, r, http.StatusBadRequest, "InvalidArgument", msg)
			return true
		}
		p.mu.Lock()
		p.lifecycles[rec.Bucket] = rules
		p.mu.Unlock()
		p.setStatus(rec, http.StatusOK)
		w.WriteHeader(http.StatusOK)
	case "DeleteBucketLifecycle":
		p.mu.Lock()
		delete(p.lifecycles, rec.Bucket)
		p.mu.Unlock()
		p.setStatus(rec, http.StatusNoContent)
		w.WriteHeader(http.StatusNoContent)
	default:
		return false
	}
	return true
}

// b2Rules maps an S3 configuration onto B2 rules, or says why B2 would
// refuse it.
func b2Rules(cfg s3Lifecycle) ([]b2Rule, string) {
	var rules []b2Rule
	for i, s := range cfg.Rules {
		name := fmt.Sprintf("rule %d", i+1)
		if s.ID != "" {
			name = fmt.Sprintf("rule %q", s.ID)
		}
		if len(s.Transition) > 0 || len(s.NoncurrentVersionTransition) > 0 {
			return nil, name + ": Transition is not supported: B2 has one storage class"
		}
		prefix := ""
		if s.Prefix != nil {
			prefix = *s.Prefix
		}
		if f := s.Filter; f != nil {
			if f.Tag != nil || f.And != nil || f.ObjectSizeGreaterThan != nil || f.ObjectSizeLessThan != nil {
				return nil, name + ": only a Prefix filter is supported"
			}
			if f.Prefix != nil {
				prefix = *f.Prefix
			}
		}
		b := b2Rule{prefix: prefix}
		if e := s.Expiration; e != nil {
			if e.Date != "" {
				return nil, name + ": Expiration with a Date is not supported, only Days"
			}
			b.hide = e.Days
		}
		if n := s.NoncurrentVersionExpiration; n != nil {
			if n.NewerNoncurrentVersions != 0 {
				return nil, name + ": NewerNoncurrentVersions is not supported, only NoncurrentDays"
			}
			b.delete = n.NoncurrentDays
		}
		if a := s.AbortIncompleteMultipartUpload; a != nil {
			b.cancel = a.DaysAfterInitiation
			if b.cancel <= 0 {
				return nil, name + ": DaysAfterInitiation must be a positive number of days"
			}
		}
		if b.hide < 0 || b.delete < 0 {
			return nil, name + ": days must be positive"
		}
		eodmOnly := s.Expiration != nil && s.Expiration.ExpiredObjectDeleteMarker != nil && b.hide == 0
		if b.hide == 0 && b.delete == 0 && b.cancel == 0 {
			if eodmOnly {
				continue // B2 removes orphan delete markers anyway
			}
			return nil, name + ": the rule has no action"
		}
		j := slices.IndexFunc(rules, func(r b2Rule) bool { return r.prefix == prefix })
		if j < 0 {
			rules = append(rules, b)
			continue
		}
		m, ok := merge(rules[j], b)
		if !ok {
			return nil, fmt.Sprintf("%s: the rules for prefix %q set the same action twice", name, prefix)
		}
		rules[j] = m
	}
	if len(rules) > maxLifecycleRules {
		return nil, fmt.Sprintf("a bucket may have at most %d lifecycle rules", maxLifecycleRules)
	}
	for i, a := range rules {
		for _, b := range rules[i+1:] {
			if strings.HasPrefix(a.prefix, b.prefix) || strings.HasPrefix(b.prefix, a.prefix) {
				return nil, fmt.Sprintf("the prefixes %q and %q overlap: one rule's prefix may not start with another's", a.prefix, b.prefix)
			}
		}
	}
	return rules, ""
}

// merge joins two rules of the same prefix that set different actions.
func merge(a, b b2Rule) (b2Rule, bool) {
	pick := func(x, y int) (int, bool) { return max(x, y), x == 0 || y == 0 }
	var ok1, ok2, ok3 bool
	a.hide, ok1 = pick(a.hide, b.hide)
	a.delete, ok2 = pick(a.delete, b.delete)
	a.cancel, ok3 = pick(a.cancel, b.cancel)
	return a, ok1 && ok2 && ok3
}

// renderLifecycle writes B2 rules as GET returns them.
func renderLifecycle(rules []b2Rule) s3Lifecycle {
	var cfg s3Lifecycle
	for _, b := range rules {
		s := s3Rule{Status: "Enabled", Filter: &s3Filter{Prefix: &b.prefix}}
		if b.hide > 0 {
			s.Expiration = &s3Expiration{Days: b.hide}
		}
		if b.delete > 0 {
			s.NoncurrentVersionExpiration = &s3Noncurrent{NoncurrentDays: b.delete}
		}
		if b.cancel > 0 {
			s.AbortIncompleteMultipartUpload = &s3Abort{DaysAfterInitiation: b.cancel}
		}
		cfg.Rules = append(cfg.Rules, s)
		if b.hide > 0 {
			yes := true
			cfg.Rules = append(cfg.Rules, s3Rule{
				Status:     "Enabled",
				Filter:     &s3Filter{Prefix: &b.prefix},
				Expiration: &s3Expiration{ExpiredObjectDeleteMarker: &yes},
			})
		}
	}
	return cfg
}
