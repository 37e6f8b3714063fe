package s3local

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// errAuth is a request refused by verify; its text is the S3 error message.
type errAuth struct {
	code, msg string
}

func (e *errAuth) Error() string { return e.code + ": " + e.msg }

const (
	algorithm  = "AWS4-HMAC-SHA256"
	amzDateFmt = "20060102T150405Z"
	maxSkew    = 15 * time.Minute
	maxExpires = 7 * 24 * time.Hour
)

// verify checks the AWS Signature Version 4 of r, in its header form
// (Authorization) or its presigned query form (X-Amz-Signature), against the
// server's one access key. A presigned request must not be expired, and every
// header it signed (Content-Length and Content-Type for an upload) must be
// sent with the signed value, or the signature does not match.
func (s *Server) verify(r *http.Request) error {
	q := r.URL.Query()
	var (
		cred, signedHeaders, signature, date, payloadHash string
		presigned                                         bool
	)
	switch {
	case q.Get("X-Amz-Algorithm") != "":
		presigned = true
		if q.Get("X-Amz-Algorithm") != algorithm {
			return &errAuth{"AuthorizationQueryParametersError", "X-Amz-Algorithm only supports " + algorithm}
		}
		cred, signedHeaders, signature, date = q.Get("X-Amz-Credential"), q.Get("X-Amz-SignedHeaders"), q.Get("X-Amz-Signature"), q.Get("X-Amz-Date")
		payloadHash = "UNSIGNED-PAYLOAD"
		if v := q.Get("X-Amz-Content-Sha256"); v != "" {
			payloadHash = v
		}
	case strings.HasPrefix(r.Header.Get("Authorization"), algorithm+" "):
		for _, part := range strings.Split(strings.TrimPrefix(r.Header.Get("Authorization"), algorithm+" "), ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
			switch k {
			case "Credential":
				cred = v
			case "SignedHeaders":
				signedHeaders = v
			case "Signature":
				signature = v
			}
		}
		date = r.Header.Get("X-Amz-Date")
		payloadHash = r.Header.Get("X-Amz-Content-Sha256")
		if payloadHash == "" {
			return &errAuth{"InvalidRequest", "missing required header x-amz-content-sha256"}
		}
	default:
		return &errAuth{"AccessDenied", "anonymous access is not allowed; sign the request with SigV4"}
	}
	if cred == "" || signedHeaders == "" || signature == "" || date == "" {
		return &errAuth{"AuthorizationHeaderMalformed", "credential, signed headers, signature and date are required"}
	}
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" {
		return &errAuth{"AuthorizationHeaderMalformed", "malformed credential scope"}
	}
	secret, known := s.cfg.SecretKey, parts[0] == s.cfg.AccessKey
	if !known {
		secret, known = s.cfg.Keys[parts[0]]
	}
	if !known {
		return &errAuth{"InvalidAccessKeyId", "the access key id does not exist in our records"}
	}
	if parts[3] != "s3" {
		return &errAuth{"AuthorizationHeaderMalformed", "the credential scope must name the s3 service"}
	}
	t, err := time.Parse(amzDateFmt, date)
	if err != nil || parts[1] != t.Format("20060102") {
		return &errAuth{"AuthorizationHeaderMalformed", "X-Amz-Date is malformed or disagrees with the credential scope"}
	}
	now := s.cfg.Now()
	if presigned {
		secs, err := strconv.Atoi(q.Get("X-Amz-Expires"))
		if err != nil || secs < 1 || time.Duration(secs)*time.Second > maxExpires {
			return &errAuth{"AuthorizationQueryParametersError", "X-Amz-Expires must be between 1 and 604800 seconds"}
		}
		if now.Before(t.Add(-maxSkew)) {
			return &errAuth{"AccessDenied", "request is not valid yet"}
		}
		if now.After(t.Add(time.Duration(secs) * time.Second)) {
			return &errAuth{"AccessDenied", "Request has expired"}
		}
	} else if d := now.Sub(t); d > maxSkew || d < -maxSkew {
		return &errAuth{"RequestTimeTooSkewed", "the difference between the request time and the server's time is too large"}
	}
	names := strings.Split(signedHeaders, ";")
	if !sort.StringsAreSorted(names) || !contains(names, "host") {
		return &errAuth{"AuthorizationHeaderMalformed", "signed headers must be sorted and include host"}
	}
	canonical := strings.Join([]string{
		r.Method,
		canonicalURI(r),
		canonicalQuery(r.URL.RawQuery, presigned),
		canonicalHeaders(r, names),
		signedHeaders,
		payloadHash,
	}, "\n")
	scope := strings.Join(parts[1:], "/")
	sum := sha256.Sum256([]byte(canonical))
	toSign := algorithm + "\n" + date + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	key := hmacSHA256([]byte("AWS4"+secret), parts[1])
	key = hmacSHA256(key, parts[2])
	key = hmacSHA256(key, parts[3])
	key = hmacSHA256(key, "aws4_request")
	want := hex.EncodeToString(hmacSHA256(key, toSign))
	if !hmac.Equal([]byte(want), []byte(signature)) {
		return &errAuth{"SignatureDoesNotMatch", "the request signature we calculated does not match the signature you provided (a signed header such as Content-Length or Content-Type differs?)"}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// canonicalURI is the path as sent (S3 does not normalise or re-encode it).
func canonicalURI(r *http.Request) string {
	p := r.RequestURI
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if i := strings.Index(p, "://"); i >= 0 { // absolute-form request target
		p = p[i+3:]
		if j := strings.IndexByte(p, '/'); j >= 0 {
			p = p[j:]
		} else {
			p = "/"
		}
	}
	if p == "" {
		p = "/"
	}
	return p
}

// canonicalQuery sorts the parameters and encodes them strictly (RFC 3986
// unreserved characters only); a presigned request's signature is left out.
func canonicalQuery(raw string, presigned bool) string {
	type kv struct{ k, v string }
	var pairs []kv
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, v = unescape(k), unescape(v)
		if presigned && k == "X-Amz-Signature" {
			continue
		}
		pairs = append(pairs, kv{awsEscape(k), awsEscape(v)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	out := make([]string, len(pairs))
	for i, p := range pairs {
		out[i] = p.k + "=" + p.v
	}
	return strings.Join(out, "&")
}

func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

func awsEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
	}
	return b.String()
}

func canonicalHeaders(r *http.Request, names []string) string {
	var b strings.Builder
	for _, n := range names {
		var v string
		switch n {
		case "host":
			v = r.Host
		case "content-length":
			v = r.Header.Get("Content-Length")
			if v == "" && r.ContentLength > 0 {
				v = strconv.FormatInt(r.ContentLength, 10)
			}
		default:
			v = strings.Join(r.Header.Values(n), ",")
		}
		b.WriteString(n + ":" + strings.Join(strings.Fields(v), " ") + "\n")
	}
	return b.String()
}

var errNoKey = errors.New("s3local: no object key")
