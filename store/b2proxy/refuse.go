package b2proxy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// refusal is a request B2 would not accept, with the answer it would give.
type refusal struct {
	status  int
	code    string
	message string
}

// refuse reports whether B2 would refuse r before doing anything, and how.
// Headers are checked in sorted order so the answer is deterministic.
func refuse(r *http.Request, key string) (refusal, bool) {
	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		names = append(names, strings.ToLower(name))
	}
	slices.Sort(names)
	for _, name := range names {
		if strings.HasPrefix(name, "x-amz-checksum-") || name == "x-amz-sdk-checksum-algorithm" ||
			name == "x-amz-trailer" {
			return unsupportedHeader(name), true
		}
	}
	for _, enc := range r.Header.Values("Content-Encoding") {
		if strings.Contains(strings.ToLower(enc), "aws-chunked") {
			return refusal{
				status:  http.StatusBadRequest,
				code:    "InvalidArgument",
				message: "Unsupported header 'content-encoding' value 'aws-chunked' received for this API call.",
			}, true
		}
	}
	if sha := r.Header.Get("X-Amz-Content-Sha256"); strings.HasPrefix(sha, "STREAMING-") {
		return refusal{
			status: http.StatusBadRequest,
			code:   "InvalidArgument",
			message: fmt.Sprintf("Unsupported header 'x-amz-content-sha256' value '%s' received for this API call.",
				sha),
		}, true
	}
	objectWrite := key != "" && (r.Method == http.MethodPut || r.Method == http.MethodPost)
	if objectWrite {
		for _, name := range names {
			if name == "x-amz-acl" || strings.HasPrefix(name, "x-amz-grant-") {
				return refusal{
					status: http.StatusForbidden,
					code:   "AccessDenied",
					message: fmt.Sprintf("Backblaze B2 does not support object ACLs (header '%s'): "+
						"objects take the visibility of their bucket.", name),
				}, true
			}
		}
	}
	return refusal{}, false
}

func unsupportedHeader(name string) refusal {
	return refusal{
		status:  http.StatusBadRequest,
		code:    "InvalidArgument",
		message: fmt.Sprintf("Unsupported header '%s' received for this API call.", name),
	}
}

// xmlText escapes character data the way B2 does: quotes stay literal.
var xmlText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// writeXMLError answers with B2's S3 error document. HEAD answers carry no
// body, as on B2.
func writeXMLError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Error>\n    <Code>")
	b.WriteString(xmlText.Replace(code))
	b.WriteString("</Code>\n    <Message>")
	b.WriteString(xmlText.Replace(message))
	b.WriteString("</Message>\n</Error>\n")
	writeBody(w, r, status, "application/xml", b.Bytes())
}

// writeJSONError answers with the JSON body B2 sometimes sends on 5xx.
func writeJSONError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	body, err := json.Marshal(struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Status  int    `json:"status"`
	}{code, message, status})
	if err != nil {
		// A struct of strings and an int always marshals.
		panic(fmt.Sprintf("b2proxy: marshal error body: %v", err))
	}
	writeBody(w, r, status, "application/json", body)
}

func writeBody(w http.ResponseWriter, r *http.Request, status int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
