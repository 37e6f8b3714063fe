package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

// ProblemContentType is the media type of RFC 9457 problem details.
const ProblemContentType = "application/problem+json"

// Problem is an RFC 9457 problem detail. Title and Detail are shown to the
// client and must never carry internal error text.
type Problem struct {
	Type     string `json:"type,omitempty"` // URI reference; "about:blank" when empty
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// Code is a stable machine-readable code (an extension member).
	Code string `json:"code,omitempty"`
	// RetryAfter, in seconds, is also sent as the Retry-After header.
	RetryAfter int `json:"retryAfter,omitempty"`
}

// Error implements error so handlers can return a *Problem.
func (p *Problem) Error() string { return strconv.Itoa(p.Status) + " " + p.Title + ": " + p.Detail }

// BadRequest is a 400 problem with a detail safe to show.
func BadRequest(detail string) *Problem {
	return &Problem{Status: http.StatusBadRequest, Title: "Bad request", Detail: detail, Code: "bad_request"}
}

// NotFound is a 404 problem.
func NotFound(detail string) *Problem {
	return &Problem{Status: http.StatusNotFound, Title: "Not found", Detail: detail, Code: "not_found"}
}

// Unauthorized is a 401 problem.
func Unauthorized(detail string) *Problem {
	return &Problem{Status: http.StatusUnauthorized, Title: "Unauthorized", Detail: detail, Code: "unauthorized"}
}

// Forbidden is a 403 problem.
func Forbidden(detail string) *Problem {
	return &Problem{Status: http.StatusForbidden, Title: "Forbidden", Detail: detail, Code: "forbidden"}
}

// Unavailable is a 503 problem.
func Unavailable(detail string, retryAfter int) *Problem {
	return &Problem{Status: http.StatusServiceUnavailable, Title: "Service unavailable", Detail: detail, Code: "unavailable", RetryAfter: retryAfter}
}

// Internal is a 500 problem; detail must be generic.
func Internal(detail string) *Problem {
	return &Problem{Status: http.StatusInternalServerError, Title: "Internal error", Detail: detail, Code: "internal"}
}

// AsProblem returns err's *Problem, or a generic 500 problem when err is not
// one, so internal text never reaches the client.
func AsProblem(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	return Internal("the request could not be completed")
}

// WriteProblem writes p as application/problem+json. Instance defaults to
// the request path.
func WriteProblem(w http.ResponseWriter, r *http.Request, p *Problem) {
	out := *p
	if out.Type == "" {
		out.Type = "about:blank"
	}
	if out.Instance == "" && r != nil {
		out.Instance = r.URL.Path
	}
	body, _ := json.Marshal(out)
	h := w.Header()
	h.Set("Content-Type", ProblemContentType)
	h.Set("Cache-Control", "no-store")
	if out.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(out.RetryAfter))
	}
	if out.Status == http.StatusUnauthorized && h.Get("WWW-Authenticate") == "" {
		h.Set("WWW-Authenticate", `Bearer realm="resync"`)
	}
	w.WriteHeader(out.Status)
	_, _ = w.Write(append(body, '\n'))
}
