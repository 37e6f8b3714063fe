package main

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/adapter/redis/audit"
	"github.com/resync/resync/shared/adapter/redis/cache"
	"github.com/resync/resync/shared/adapter/redis/security"
	"github.com/resync/resync/shared/app/compliance"
	"github.com/resync/resync/shared/edge/api"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/routes"
)

// invalidator drops cached values (*cache.Cache).
type invalidator interface {
	InvalidatePrefix(ctx context.Context, prefix string) (int, error)
}

// deps are the parts the handler uses, built once by run.
type deps struct {
	cache    invalidator
	redis    redis.Cmdable
	audit    *audit.Log
	trail    compliance.Trail // the durable audit trail; nil when not configured (development)
	security *security.Log
	docs     *documentsAPI // nil: document storage not configured (see documents.go)
	reviews  *reviewsAPI   // nil: no graph configured (see reviews.go)
	now      func() time.Time
}

// handler serves the admin routes; it is never written after newHandler.
type handler struct {
	deps
	mux *http.ServeMux
}

// statsMaxAge drops the cache reports of processes gone for this long.
const statsMaxAge = 15 * time.Minute

func newHandler(d deps, edge *api.Edge) (*handler, error) {
	if d.now == nil {
		d.now = time.Now
	}
	h := &handler{deps: d, mux: http.NewServeMux()}
	byKey := map[string]api.HandlerFunc{
		"GET /api/v1/admin/cache":                 h.cacheStats,
		"POST /api/v1/admin/cache/invalidate":     h.invalidate,
		"GET /api/v1/admin/audit":                 h.auditLog,
		"GET /api/v1/admin/audit/verify":          h.verify,
		"GET /api/v1/admin/compliance":            h.compliance,
		"GET /api/v1/admin/security":              h.securityView,
		"POST /api/v1/documents/upload-url":       d.docs.uploadURL,
		"GET /api/v1/documents":                   d.docs.list,
		"DELETE /api/v1/documents/{id}":           d.docs.remove,
		"GET /api/v1/documents/{id}/sections":     d.docs.sections,
		"GET /api/v1/admin/reviews":               d.reviews.list,
		"POST /api/v1/admin/reviews/{id}/approve": d.reviews.approve,
		"POST /api/v1/admin/reviews/{id}/reject":  d.reviews.reject,
	}
	for _, rt := range routes.HTTP() {
		if rt.Function == routes.Admin && rt.Role != routes.RoleAdmin && !strings.HasPrefix(rt.Path, "/api/v1/documents") {
			return nil, errors.New("admin: route " + rt.Key() + " must need the admin role")
		}
	}
	if err := edge.Bind(h.mux, byKey); err != nil {
		return nil, err
	}
	return h, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// tierStats is one tier's share of the cache's answers.
type tierStats struct {
	Hits    int64   `json:"hits"`
	HitRate float64 `json:"hitRate"`
}

// cacheView is the answer of GET /api/v1/admin/cache.
type cacheView struct {
	Local       tierStats             `json:"local"`
	Redis       tierStats             `json:"redis"`
	HitRate     float64               `json:"hitRate"`
	Misses      int64                 `json:"misses"`
	StaleServes int64                 `json:"staleServes"`
	Loads       int64                 `json:"loads"`
	LoadErrors  int64                 `json:"loadErrors"`
	LoadP50Ms   float64               `json:"loadP50Ms"`
	LoadP99Ms   float64               `json:"loadP99Ms"`
	Entries     int                   `json:"entries"`
	Bytes       int64                 `json:"bytes"`
	RedisKeys   int64                 `json:"redisKeys"`
	RedisMemory int64                 `json:"redisUsedMemoryBytes,omitempty"`
	Instances   []cache.InstanceStats `json:"instances"`
	AsOf        time.Time             `json:"asOf"`
}

func (h *handler) cacheStats(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	now := h.now()
	reps, err := cache.Reports(ctx, h.redis, now, statsMaxAge)
	if err != nil {
		return api.Unavailable("Redis cannot be reached", 5)
	}
	s := cache.Sum(reps)
	local, rds, total := s.HitRate()
	v := cacheView{
		Local: tierStats{s.LocalHits, local}, Redis: tierStats{s.RedisHits, rds}, HitRate: total,
		Misses: s.Misses, StaleServes: s.StaleServes, Loads: s.Loads, LoadErrors: s.LoadErrors,
		LoadP50Ms: ms(s.LoadP50), LoadP99Ms: ms(s.LoadP99),
		Entries: s.Entries, Bytes: s.Bytes, Instances: reps, AsOf: now.UTC(),
	}
	if v.Instances == nil {
		v.Instances = []cache.InstanceStats{}
	}
	if n, err := h.redis.DBSize(ctx).Result(); err == nil {
		v.RedisKeys = n
	}
	if info, err := h.redis.Info(ctx, "memory").Result(); err == nil {
		v.RedisMemory = usedMemory(info)
	}
	api.WriteJSON(w, r, http.StatusOK, v)
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func usedMemory(info string) int64 {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// invalidateRequest is the body of POST /api/v1/admin/cache/invalidate: one
// of kind (every key of a kind, e.g. "summary") or prefix ("kind:key...").
type invalidateRequest struct {
	Kind   string `json:"kind"`
	Prefix string `json:"prefix"`
	All    bool   `json:"all"`
}

func (h *handler) invalidate(w http.ResponseWriter, r *http.Request) error {
	var req invalidateRequest
	if err := api.DecodeJSON(r, &req); err != nil {
		return err
	}
	set := 0
	for _, b := range []bool{req.Kind != "", req.Prefix != "", req.All} {
		if b {
			set++
		}
	}
	if set != 1 {
		return api.BadRequest(`send exactly one of {"kind": "summary"}, {"prefix": "job:"} or {"all": true}`)
	}
	prefix := req.Prefix
	if req.Kind != "" {
		if strings.ContainsAny(req.Kind, ":*?[]") || len(req.Kind) > 64 {
			return api.BadRequest("kind must be a plain name such as summary, list, job or log")
		}
		prefix = req.Kind + ":"
	}
	if len(prefix) > 256 {
		return api.BadRequest("prefix is longer than 256 characters")
	}
	user := ""
	if c, ok := auth.FromContext(r.Context()); ok {
		user = c.User()
	}
	what := "prefix " + strconv.Quote(prefix)
	if req.All {
		what = "everything"
	}
	// Recorded before it runs (the durable trail first); unrecorded, it does not run.
	ctx := r.Context()
	if _, err := h.audit.Append(ctx, audit.Entry{User: user, Action: "cache:invalidate", Targets: []string{what}, Result: "accepted"}); err != nil {
		return api.Unavailable("the invalidation could not be audited, so nothing was invalidated; try again", 5)
	}
	n, err := h.cache.InvalidatePrefix(ctx, prefix)
	result := "removed " + strconv.Itoa(n) + " keys"
	if err != nil {
		result = "failed: Redis cannot be reached"
	}
	_, _ = h.audit.Append(context.WithoutCancel(ctx), audit.Entry{User: user, Action: "cache:invalidate", Targets: []string{what}, Result: result})
	if err != nil {
		return api.Unavailable("Redis cannot be reached; local tiers expire by their TTL", 5)
	}
	api.WriteJSON(w, r, http.StatusOK, map[string]any{"prefix": prefix, "removedKeys": n})
	return nil
}

func (h *handler) auditLog(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	for k := range q {
		switch k {
		case "user", "action", "outcome", "from", "to", "limit", "cursor", "format":
		default:
			return api.BadRequest("unknown query parameter " + strconv.Quote(k))
		}
	}
	f := audit.Filter{User: q.Get("user"), Action: q.Get("action"), Outcome: q.Get("outcome"), Cursor: q.Get("cursor")}
	if strings.ContainsAny(f.Outcome, ": ") {
		return api.BadRequest("outcome is the result's first word (ok, failed, refused, proposed, …)")
	}
	var err error
	if f.From, err = timeParam(q.Get("from"), "from"); err != nil {
		return err
	}
	if f.To, err = timeParam(q.Get("to"), "to"); err != nil {
		return err
	}
	if s := q.Get("limit"); s != "" {
		if f.Limit, err = strconv.Atoi(s); err != nil || f.Limit < 1 || f.Limit > audit.MaxLimit {
			return api.BadRequest("limit must be between 1 and " + strconv.Itoa(audit.MaxLimit))
		}
	}
	switch q.Get("format") {
	case "", "json":
		page, err := h.audit.List(r.Context(), f)
		if err != nil {
			return auditProblem(err)
		}
		if page.Entries == nil {
			page.Entries = []audit.Entry{}
		}
		api.WriteJSON(w, r, http.StatusOK, page)
		return nil
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="resync-audit-`+h.now().UTC().Format("20060102T150405Z")+`.csv"`)
		w.Header().Set("Cache-Control", "no-store")
		if err := h.audit.Export(r.Context(), w, f); err != nil {
			// Headers are gone; the truncated CSV ends here and the error is logged by the edge.
			return err
		}
		return nil
	}
	return api.BadRequest("format must be json or csv")
}

func auditProblem(err error) error {
	if errors.Is(err, audit.ErrInvalid) {
		return api.BadRequest("invalid filter or cursor")
	}
	return api.Unavailable("the audit trail cannot be read now", 5)
}

func timeParam(s, name string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, api.BadRequest(name + " must be an RFC 3339 time such as 2026-11-26T00:00:00Z")
	}
	return t, nil
}

// securityView is the answer of GET /api/v1/admin/security.
type securityView struct {
	Events map[security.Kind][]security.Event `json:"events"`
	Totals map[security.Kind]int64            `json:"totals"`
	AsOf   time.Time                          `json:"asOf"`
}

func (h *handler) securityView(w http.ResponseWriter, r *http.Request) error {
	n := 50
	if s := r.URL.Query().Get("limit"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 || n > security.DefaultKeep {
			return api.BadRequest("limit must be between 1 and " + strconv.Itoa(security.DefaultKeep))
		}
	}
	events, totals, err := h.security.Recent(r.Context(), n)
	if err != nil {
		return api.Unavailable("the security log cannot be read now", 5)
	}
	api.WriteJSON(w, r, http.StatusOK, securityView{Events: events, Totals: totals, AsOf: h.now().UTC()})
	return nil
}
