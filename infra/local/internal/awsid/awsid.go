// Package awsid makes what identifies a request in the local stand-ins as
// AWS would: the UUIDs the Lambda service and EventBridge give, the short
// ids API Gateway gives requests and WebSocket connections, and the caller's
// source IP as API Gateway reports it (sourceIp, X-Forwarded-For).
package awsid

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// UUID returns a random UUID (version 4), as Lambda request ids and
// EventBridge event ids are.
func UUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// Gateway returns an id shaped like API Gateway's request, message and
// connection ids ("L0SM9cOFvHcCIhw="): 11 random bytes in base64, drawn
// again until it has no '/' or '+', so it is safe in a URL path as it is.
func Gateway() string {
	for {
		var b [11]byte
		_, _ = rand.Read(b[:])
		id := base64.StdEncoding.EncodeToString(b[:])
		if !strings.ContainsAny(id, "/+") {
			return id
		}
	}
}

// SourceIP returns the caller's address without its port, as API Gateway
// reports it; RemoteAddr as it is when it has no port.
func SourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
