package hwa

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error kinds, testable with errors.Is on any error the Client returns.
var (
	// ErrNotFound: the id is not in the plan (404).
	ErrNotFound = errors.New("not found")
	// ErrUnauthorized: no or wrong credentials (401).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden: the user may not do this (403).
	ErrForbidden = errors.New("forbidden")
	// ErrBadFilter: the server refused the request's filter or parameters
	// (400, for example OQL_FILTER_SYNTAX_ERROR), or the client refused to
	// send an invalid OQL expression.
	ErrBadFilter = errors.New("bad filter or parameters")
	// ErrBadRequest: another 4xx, such as 415 for a missing JSON content type.
	ErrBadRequest = errors.New("bad request")
	// ErrConflict: the object is in a state that forbids the action (409).
	ErrConflict = errors.New("conflict")
	// ErrRejected: the server answered 200 but reported that the action
	// failed (ActionResourceResponseV2.isError).
	ErrRejected = errors.New("action rejected")
	// ErrUnavailable: the server is down, overloaded or slow — 5xx, 429,
	// timeouts and connection errors (reads are retried first).
	ErrUnavailable = errors.New("unavailable")
	// ErrTooLarge: the response is larger than the configured cap.
	ErrTooLarge = errors.New("response too large")
)

// Error is a failed call to HWA. Its text starts "hwa: <op>:" and carries the
// HTTP status and the server's code and message when there are any; it
// never contains credentials. errors.Is matches Kind (one of the Err...
// sentinels) and the underlying cause (for example context.DeadlineExceeded).
type Error struct {
	Op      string // what the client was doing, e.g. "get job 1234"
	Status  int    // HTTP status, 0 when no response arrived
	Code    string // server error code such as OQL_FILTER_SYNTAX_ERROR, if any
	Message string // server message or cause, trimmed and redacted
	Kind    error  // one of the Err... sentinels
	Err     error  // underlying cause, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("hwa: ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	if e.Kind != nil {
		b.WriteString(e.Kind.Error())
	} else {
		b.WriteString("error")
	}
	if e.Status != 0 || e.Code != "" {
		b.WriteString(" (")
		if e.Status != 0 {
			b.WriteString(strconv.Itoa(e.Status))
		}
		if e.Code != "" {
			if e.Status != 0 {
				b.WriteString(" ")
			}
			b.WriteString(e.Code)
		}
		b.WriteString(")")
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Unwrap returns the kind and the cause, for errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	var out []error
	if e.Kind != nil {
		out = append(out, e.Kind)
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// kindForStatus maps an HTTP status to an error kind.
func kindForStatus(status int) error {
	switch {
	case status == 400:
		return ErrBadFilter
	case status == 401:
		return ErrUnauthorized
	case status == 403:
		return ErrForbidden
	case status == 404:
		return ErrNotFound
	case status == 409:
		return ErrConflict
	case status == 413:
		return ErrTooLarge
	case status == 429, status == 408:
		return ErrUnavailable
	case status >= 500:
		return ErrUnavailable
	case status >= 400:
		return ErrBadRequest
	}
	return ErrUnavailable
}

const maxMessage = 300

var codePattern = regexp.MustCompile(`\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+){1,}\b|\bAWS[A-Z]{3}\d{3,4}[EIW]\b|\bEQQ[A-Z0-9]{4,6}[EIW]\b`)

// parseErrorBody pulls a code and message out of an error body. HWA V2
// documents no error schema: this reads JSON {code, message} (the
// simulator's), V1's {messages: [...]}, common variants (errorCode,
// messageCode, error), and falls back to plain text, where it looks for an
// upper-case code such as OQL_FILTER_SYNTAX_ERROR.
func parseErrorBody(body []byte) (code, msg string) {
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		for _, k := range []string{"code", "errorCode", "messageCode", "error"} {
			if s, ok := m[k].(string); ok && s != "" && code == "" {
				code = s
			}
		}
		for _, k := range []string{"message", "errorMessage", "detail", "error_description"} {
			if s, ok := m[k].(string); ok && s != "" && msg == "" {
				msg = s
			}
		}
		if msgs, ok := m["messages"].([]any); ok && msg == "" {
			var parts []string
			for _, x := range msgs {
				switch v := x.(type) {
				case string:
					parts = append(parts, v)
				case map[string]any:
					if s, ok := v["message"].(string); ok {
						parts = append(parts, s)
					}
				}
			}
			msg = strings.Join(parts, "; ")
		}
		if code == msg {
			msg = ""
		}
		if code == "" {
			code = codePattern.FindString(msg)
		}
		return code, msg
	}
	text := strings.TrimSpace(string(body))
	if strings.HasPrefix(text, "<") { // an HTML error page says nothing useful
		return "", ""
	}
	return codePattern.FindString(text), text
}

// redactor removes secrets and noise from text that goes into an error.
type redactor []string

func (r redactor) clean(s string) string {
	for _, secret := range r {
		if len(secret) >= 3 {
			s = strings.ReplaceAll(s, secret, "***")
		}
	}
	s = strings.Map(func(c rune) rune {
		if c < 0x20 || c == 0x7f {
			return ' '
		}
		return c
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > maxMessage {
		cut := maxMessage
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func (r redactor) errorf(format string, args ...any) string {
	return r.clean(fmt.Sprintf(format, args...))
}
