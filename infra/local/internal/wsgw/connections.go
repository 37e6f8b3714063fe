package wsgw

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/resync/resync/infra/local/internal/awsid"
)

// ConnectionsPrefix is the path of the management API, as the
// apigatewaymanagementapi client sends it when its endpoint is the stack's
// URL.
const ConnectionsPrefix = "/@connections/"

// Connections returns the @connections management API handler, to mount at
// ConnectionsPrefix.
func (g *Gateway) Connections() http.Handler { return http.HandlerFunc(g.connections) }

// awsError writes an error the way the management API does: the error type
// in x-amzn-ErrorType (what aws-sdk-go-v2 maps to types.GoneException and
// the others) and in the JSON body's __type.
func awsError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", typ)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(mustJSON(map[string]string{"__type": typ, "message": msg})))
}

func (g *Gateway) connections(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Amzn-Requestid", awsid.Gateway())
	// Any SigV4 signature is accepted, but an unsigned call is refused as
	// AWS refuses it, so a function that forgot credentials fails here too.
	if r.Header.Get("Authorization") == "" {
		awsError(w, http.StatusForbidden, "ForbiddenException", "Missing Authentication Token")
		return
	}
	raw := strings.TrimPrefix(r.URL.EscapedPath(), ConnectionsPrefix)
	id, err := url.PathUnescape(raw)
	if err != nil || id == "" || strings.Contains(id, "/") {
		awsError(w, http.StatusForbidden, "ForbiddenException", "Forbidden")
		return
	}
	switch r.Method {
	case http.MethodPost:
		g.post(w, r, id)
	case http.MethodGet:
		g.get(w, id)
	case http.MethodDelete:
		g.delete(w, id)
	default:
		awsError(w, http.StatusForbidden, "ForbiddenException", "Forbidden")
	}
}

func gone(w http.ResponseWriter, id string) {
	awsError(w, http.StatusGone, "GoneException", "connection "+id+" is gone")
}

// post sends the body to the connection as one text frame.
func (g *Gateway) post(w http.ResponseWriter, r *http.Request, id string) {
	data, err := io.ReadAll(io.LimitReader(r.Body, g.opts.MaxPostBytes+1))
	if err != nil {
		awsError(w, http.StatusBadRequest, "BadRequestException", "could not read the body")
		return
	}
	if int64(len(data)) > g.opts.MaxPostBytes {
		awsError(w, http.StatusRequestEntityTooLarge, "PayloadTooLargeException", "Request Entity Too Large")
		return
	}
	c := g.lookup(id)
	if c == nil {
		gone(w, id)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, data); err != nil {
		g.log.Info("post to a closing connection", "connectionId", id, "err", err)
		gone(w, id)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// get describes the connection as GetConnection does.
func (g *Gateway) get(w http.ResponseWriter, id string) {
	c := g.lookup(id)
	if c == nil {
		gone(w, id)
		return
	}
	c.mu.Lock()
	last := c.lastActive
	c.mu.Unlock()
	const iso = "2006-01-02T15:04:05.000Z"
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(mustJSON(map[string]any{
		"connectedAt":  c.connectedAt.UTC().Format(iso),
		"lastActiveAt": last.UTC().Format(iso),
		"identity":     map[string]string{"sourceIp": c.sourceIP, "userAgent": c.userAgent},
	})))
}

// delete closes the connection (1000); $disconnect follows.
func (g *Gateway) delete(w http.ResponseWriter, id string) {
	c := g.lookup(id)
	if c == nil {
		gone(w, id)
		return
	}
	c.close(websocket.StatusNormalClosure, "")
	w.WriteHeader(http.StatusNoContent)
}
