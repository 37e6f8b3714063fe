// Package api holds what Resync's HTTP functions share at their edge: the
// Edge that wraps every route with its request id, token check, one log line
// per failure and EMF metrics; JSON bodies with strong ETags and
// If-None-Match; and errors as RFC 9457 problem details whose text is safe to
// show a client (internal error text is never sent).
package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// MaxBodyBytes bounds a request body read by DecodeJSON.
const MaxBodyBytes = 1 << 20

// WriteJSON encodes v and writes it with status, a strong ETag over the
// encoded bytes and Cache-Control: no-cache (clients revalidate). When the
// request's If-None-Match matches, it writes 304 without a body instead.
// Extra headers (such as a stale-data warning) are set by the caller before.
func WriteJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		WriteProblem(w, r, Internal("encoding the response failed"))
		return
	}
	body = append(body, '\n')
	etag := ETag(body)
	h := w.Header()
	h.Set("ETag", etag)
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "private, no-cache")
	}
	if status == http.StatusOK && r != nil && matches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r == nil || r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// ETag returns the strong entity tag of body.
func ETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
}

// matches implements If-None-Match's weak comparison over a list of tags.
func matches(header, etag string) bool {
	if header == "" {
		return false
	}
	if strings.TrimSpace(header) == "*" {
		return true
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(header, ",") {
		if strings.TrimPrefix(strings.TrimSpace(t), "W/") == want {
			return true
		}
	}
	return false
}

// DecodeJSON reads a JSON request body of at most MaxBodyBytes into v,
// refusing unknown fields and trailing data. Its errors are *Problem values
// ready to write.
func DecodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return &Problem{Status: http.StatusUnsupportedMediaType, Title: "Unsupported media type", Detail: "send application/json"}
	}
	data, err := readLimited(r, MaxBodyBytes)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return BadRequest("malformed JSON body: " + safeJSONError(err))
	}
	if dec.More() {
		return BadRequest("malformed JSON body: trailing data")
	}
	return nil
}

func readLimited(r *http.Request, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	n, err := buf.ReadFrom(http.MaxBytesReader(nil, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &Problem{Status: http.StatusRequestEntityTooLarge, Title: "Request body too large", Detail: "the body exceeds " + strconv.FormatInt(limit, 10) + " bytes"}
		}
		return nil, BadRequest("reading the request body failed")
	}
	if n == 0 {
		return nil, BadRequest("the request body is empty")
	}
	return buf.Bytes(), nil
}

// safeJSONError keeps the decoder's position and field information, which
// describe the client's own input, and nothing else.
func safeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return "syntax error at byte " + strconv.FormatInt(syn.Offset, 10)
	case errors.As(err, &typ):
		return "field " + strconv.Quote(typ.Field) + " has the wrong type"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return strings.TrimPrefix(err.Error(), "json: ")
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected end of input"
	}
	return "invalid JSON"
}
