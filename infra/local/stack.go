package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/infra/local/internal/apigw"
	"github.com/resync/resync/infra/local/internal/lambdasvc"
	"github.com/resync/resync/infra/local/internal/schedule"
	"github.com/resync/resync/infra/local/internal/wsgw"
	"github.com/resync/resync/internal/oidclocal"
	"github.com/resync/resync/internal/s3local"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/adapter/redis/security"
	"github.com/resync/resync/shared/edge/auth"
	sharedconfig "github.com/resync/resync/shared/edge/config"
	"github.com/resync/resync/shared/edge/routes"
)

// stack is the running local stack.
type stack struct {
	cfg     config
	log     *slog.Logger
	out     io.Writer // the user-facing lines
	ln      net.Listener
	srv     *http.Server
	lambda  *lambdasvc.Service
	sched   *schedule.Scheduler
	ws      *wsgw.Gateway
	redis   *miniredis.Miniredis // nil when REDIS_URL is set
	sec     *security.Log        // refused sign-ins, for the admin security view
	secRDB  *redis.Client
	s3      *s3local.Server // the documents bucket (s3.go)
	minter  *auth.Minter
	prod    *prodParts     // the production-parity mode's stand-ins; nil otherwise
	sim     *hwasim.Server // the embedded HWA simulator; nil with HWA_URL
	cancel  context.CancelFunc
	done    sync.WaitGroup
	url     string
	hwaURL  string
	running []string // functions with a binary
	missing []string // functions without one
}

// startStack starts everything and prints one line per listening address.
// Close stops it.
func startStack(ctx context.Context, cfg config, out, procOut io.Writer, log *slog.Logger) (_ *stack, err error) {
	s := &stack{cfg: cfg, log: log, out: out}
	defer func() {
		if err != nil {
			s.Close(context.Background())
		}
	}()
	if s.ln, err = net.Listen("tcp", cfg.Addr); err != nil {
		return nil, fmt.Errorf("local: listen on %s: %w", cfg.Addr, err)
	}
	s.url = "http://" + s.ln.Addr().String()
	mux := http.NewServeMux()
	// Serve at once: the token verifier reads the local issuer's JWKS from
	// this server in the production-parity mode. ServeMux takes routes
	// while serving; until they are added requests get 404.
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", "err", err)
		}
	}()

	// HWA: the embedded simulator on this server, unless HWA_URL is set.
	hwaEnv := []string{}
	hwaNote := "(HWA_URL)"
	s.hwaURL = cfg.HWAURL
	if s.hwaURL == "" {
		sim, err := embeddedHWA(cfg.HWASeed)
		if err != nil {
			hwaNote = "not available: " + err.Error() + "; set HWA_URL"
		} else {
			mux.Handle("/twsd/", sim.handler)
			s.sim = sim.sim
			s.hwaURL = s.url
			hwaEnv = append(hwaEnv, sim.env...)
			hwaNote = "(embedded simulator)"
		}
	}

	// The production-parity mode's stand-ins (prod.go).
	if cfg.Prod {
		vars := map[string]string{}
		for _, kv := range hwaEnv {
			k, v, _ := strings.Cut(kv, "=")
			vars[k] = v
		}
		if s.prod, err = startProd(ctx, cfg.Getenv, s.url, s.hwaURL, vars[sharedconfig.EnvHWAUser], vars[sharedconfig.EnvHWAPassword], s.url, cfg.Region); err != nil {
			return nil, err
		}
		mux.Handle("/local/oidc/", http.StripPrefix("/local/oidc", s.prod.issuer.Handler()))
	}

	// Redis: embedded miniredis unless REDIS_URL is set.
	redisURL, redisNote := cfg.RedisURL, "(REDIS_URL)"
	if s.prod != nil {
		redisURL, redisNote = s.prod.redisURL, "(redis-server, TLS and AUTH)"
	} else if redisURL == "" {
		s.redis = miniredis.NewMiniRedis()
		if err := s.redis.StartAddr("127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("local: start embedded redis: %w", err)
		}
		redisURL, redisNote = "redis://"+s.redis.Addr(), "(embedded miniredis)"
	}

	// Tokens.
	authCfg := auth.Config{Issuer: localIssuer, ClientID: localClientID}
	var verifier *auth.Verifier
	if s.prod != nil {
		verifier, err = auth.NewJWKS(ctx, s.prod.issuer.JWKSURL(), auth.Config{Issuer: s.prod.issuer.URL(), ClientID: localClientID}, auth.JWKSOptions{})
	} else {
		verifier, err = auth.NewHS256(cfg.Secret, authCfg)
	}
	if err != nil {
		return nil, fmt.Errorf("local: token verifier: %w", err)
	}
	if cfg.devTokens() {
		if s.minter, err = auth.NewMinter(cfg.Secret, authCfg, cfg.TokenTTL); err != nil {
			return nil, fmt.Errorf("local: token minter: %w", err)
		}
	}
	if opts, err := redis.ParseURL(redisURL); err == nil {
		if s.prod != nil {
			opts.TLSConfig, opts.Password = s.prod.tlsConfig, s.prod.redisToken
		}
		s.secRDB = redis.NewClient(opts)
		s.sec = security.New(s.secRDB, 0)
	}
	mux.HandleFunc("POST /local/token", s.token)

	// Functions.
	env := append(append([]string(nil), cfg.Env...), hwaEnv...)
	env = append(env,
		sharedconfig.EnvStage+"="+string(cfg.Stage),
		sharedconfig.EnvRedisURL+"="+redisURL,
		sharedconfig.EnvAuthIssuer+"="+localIssuer,
		sharedconfig.EnvAuthClientID+"="+localClientID,
		sharedconfig.EnvAuthHS256+"="+string(cfg.Secret),
	)
	if s.hwaURL != "" {
		env = append(env, sharedconfig.EnvHWAURL+"="+s.hwaURL)
	}
	if cfg.devTokens() {
		env = append(env, sharedconfig.EnvDevTokenEndpoint+"=true")
	}
	// The functions post WebSocket frames to this server's @connections
	// API with the real SDK client, which must sign.
	env = append(env, sharedconfig.EnvWSEndpoint+"="+s.url)
	// The web client is served here too: alert cards and MCP links point at it.
	env = append(env, sharedconfig.EnvConsoleURL+"="+s.url)
	env = append(env, localCredentials(env)...)
	s.lambda = lambdasvc.New(lambdasvc.Options{Logger: log, Output: procOut})
	// S3: the documents bucket's stand-in; its object events go to ingest.
	lam := s.lambda
	s3Env := []string(nil)
	if s.s3, s3Env, err = startS3(func(ctx context.Context, fn string, p []byte) (lambdasvc.Result, error) {
		return lam.Invoke(ctx, fn, p)
	}, log, cfg.Region, env, cfg.AsyncRetry); err != nil {
		return nil, err
	}
	env = append(env, s3Env...)
	binDir, err := filepath.Abs(cfg.BinDir)
	if err != nil {
		return nil, fmt.Errorf("local: bin dir: %w", err)
	}
	// The knowledge graph: ingest exists to write it, so without NEO4J_URI
	// it is not started and the stack says the graph features are off.
	graphURI := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, sharedconfig.EnvNeo4jURI+"="); ok {
			graphURI = v
		}
	}
	for _, fn := range routes.Functions() {
		if fn == routes.Ingest && graphURI == "" {
			continue
		}
		path := filepath.Join(binDir, fn)
		if st, err := os.Stat(path); err != nil || st.IsDir() {
			s.missing = append(s.missing, fn)
			continue
		}
		fnEnv := env
		if s.prod != nil {
			// Only the prod template's variables, the stand-ins' endpoints
			// and the base of the process environment: nothing the
			// development mode passes (NEO4J_PASSWORD, AUTH_HS256_SECRET ...)
			// reaches a function here.
			if fnEnv, err = s.prod.env(fn, append(append([]string(nil), cfg.Base...), sharedconfig.EnvS3Endpoint+"="+s.s3.URL())); err != nil {
				return nil, err
			}
		}
		if err := s.lambda.Register(lambdasvc.Function{
			Name: fn, Path: path, Env: fnEnv, Concurrency: cfg.Concurrency,
			Timeout: cfg.Timeouts[fn], Region: cfg.Region,
		}); err != nil {
			return nil, err
		}
		s.running = append(s.running, fn)
	}

	gw, err := apigw.New(apigw.Options{Routes: routes.HTTP(), Invoker: s.lambda, Verifier: verifier, Logger: log})
	if err != nil {
		return nil, err
	}
	var scheds []routes.Schedule
	for _, sc := range routes.Schedules() {
		if s.has(sc.Function) {
			scheds = append(scheds, sc)
		}
	}
	s.sched = schedule.New(schedule.Options{Schedules: scheds, Invoker: s.lambda, Mode: cfg.Schedules, Region: cfg.Region, Logger: log})
	mux.Handle("/local/schedules", s.sched.Handler())
	mux.Handle("/local/schedules/", s.sched.Handler())
	var webConnect []string // the browser uploads straight to the bucket
	if s.s3 != nil {
		webConnect = append(webConnect, s.s3.URL())
	}
	mux.Handle("/", webHandler(cfg.WebDir, webConnect, gw))

	s.ws, err = wsgw.New(wsgw.Options{
		Routes: routes.WebSocket(), Invoker: s.lambda, Stage: string(cfg.Stage),
		IdleTimeout: cfg.WSIdle, MaxLifetime: cfg.WSLifetime, Logger: log,
	})
	if err != nil {
		return nil, err
	}
	mux.Handle("/ws", s.ws)
	mux.Handle(wsgw.ConnectionsPrefix, s.ws.Connections())

	// Start one process per function now, so a function that cannot start
	// says so at once.
	var wg sync.WaitGroup
	failed := make([]error, len(s.running))
	for i, fn := range s.running {
		wg.Add(1)
		go func() {
			defer wg.Done()
			failed[i] = s.lambda.Warm(ctx, fn)
		}()
	}
	wg.Wait()

	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.done.Add(1)
	go func() { defer s.done.Done(); s.sched.Run(runCtx) }()

	p := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }
	p("resync local stack, stage %s", cfg.Stage)
	p("  http api      %s", s.url)
	if s.s3 != nil {
		p("  s3            %s (buckets %s, object events to ingest; %s, the audit trail)", s.s3.URL(), documentsBucket, auditBucket)
	}
	if s.hwaURL != "" {
		p("  hwa           %s/twsd/api/v2 %s", strings.TrimSuffix(s.hwaURL, "/"), hwaNote)
	} else {
		p("  hwa           %s", hwaNote)
	}
	p("  redis         %s %s", redactToken(redisURL), redisNote)
	if graphURI != "" {
		p("  graph         %s (Neo4j: runbook ingestion and search, impact and why-waiting from the graph)", graphURI)
	} else {
		p("  graph         off: %s is not set, so ingest is not started (no runbook ingestion or search) and impact and why-waiting come from HWA", sharedconfig.EnvNeo4jURI)
	}
	if s.prod != nil {
		p("  sign-in       POST %s/local/token {\"user\":\"alice\",\"role\":\"operator\"} (the local OIDC issuer, Cognito's stand-in: RS256 access token)", s.url)
		for _, n := range s.prod.notes() {
			p("  %s", n)
		}
	} else if s.minter != nil {
		p("  dev tokens    POST %s/local/token {\"user\":\"alice\",\"role\":\"operator\"}", s.url)
	} else {
		p("  dev tokens    off (stage %s)", cfg.Stage)
	}
	wsNote := ""
	if !s.has(routes.Chat) {
		wsNote = " (off until chat is built: connecting answers 503)"
	}
	p("  websocket     ws://%s/ws?token=...%s", s.ln.Addr(), wsNote)
	p("  web client    %s/ (from %s)", s.url, cfg.WebDir)
	p("  connections   %s/@connections (management API for the functions: %s)", s.url, sharedconfig.EnvWSEndpoint)
	p("  schedules     POST %s/local/schedules/{name} (automatic: %s)", s.url, cfg.Schedules)
	p("  functions     %s", strings.Join(s.running, ", "))
	if len(s.missing) > 0 {
		p("  not built     %s (run scripts/dev.sh, or go build into %s)", strings.Join(s.missing, ", "), binDir)
	}
	for i, err := range failed {
		if err == nil {
			continue
		}
		p("  FAILED START  %s: %v", s.running[i], err)
		var ie *lambdasvc.InitError
		if errors.As(err, &ie) && strings.TrimSpace(ie.Stderr) != "" {
			p("                its stderr:")
			for line := range strings.SplitSeq(strings.TrimRight(ie.Stderr, "\n"), "\n") {
				p("                | %s", line)
			}
		}
	}
	return s, nil
}

// localCredentials returns dummy AWS credentials for the functions unless
// real ones are configured (keys or a profile passed through, or Bedrock
// set, which then uses the default credential chain): the apigatewaymanagementapi
// client signs every call and the local @connections API only checks that it
// did.
func localCredentials(env []string) []string {
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "AWS_ACCESS_KEY_ID", "AWS_PROFILE", sharedconfig.EnvBedrockModel:
			return nil
		}
	}
	return []string{"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local"}
}

func (s *stack) has(fn string) bool {
	for _, r := range s.running {
		if r == fn {
			return true
		}
	}
	return false
}

// Close stops the schedules, drains the HTTP server, kills the function
// processes and closes Redis.
func (s *stack) Close(ctx context.Context) {
	if s.cancel != nil {
		s.cancel()
		s.done.Wait()
	}
	if s.ws != nil {
		// Close the sockets first so $disconnect still reaches the functions.
		closing, cancel := context.WithTimeout(ctx, 5*time.Second)
		s.ws.Close(closing)
		cancel()
	}
	if s.srv != nil {
		drain, cancel := context.WithTimeout(ctx, 10*time.Second)
		_ = s.srv.Shutdown(drain)
		cancel()
	} else if s.ln != nil {
		_ = s.ln.Close()
	}
	if s.s3 != nil {
		s.s3.Close() // delivers the queued object events first
	}
	if s.lambda != nil {
		s.lambda.Close(2 * time.Second)
	}
	if s.secRDB != nil {
		_ = s.secRDB.Close()
	}
	if s.prod != nil {
		s.prod.Close()
	}
	if s.redis != nil {
		s.redis.Close()
	}
}

// token serves POST /local/token {"user":"alice","role":"operator"} with
// {"token": ..., "expiresAt": ...}: a short-lived HS256 token the functions
// accept. It is refused in production.
func (s *stack) token(w http.ResponseWriter, r *http.Request) {
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	refuse := func(user, reason string) {
		if s.sec == nil {
			return
		}
		if err := s.sec.Record(r.Context(), security.Event{Kind: security.FailedSignIn, User: user, Reason: reason, Route: "POST /local/token", Source: r.RemoteAddr, Function: "local"}); err != nil {
			s.log.Warn("recording a failed sign-in failed", "err", err)
		}
	}
	if s.minter == nil && s.prod == nil {
		refuse("", "dev token endpoint off in stage "+string(s.cfg.Stage))
		reply(http.StatusForbidden, map[string]string{"message": "the dev token endpoint is off in stage " + string(s.cfg.Stage)})
		return
	}
	var req struct {
		User string `json:"user"`
		Role string `json:"role"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		refuse("", "malformed sign-in request")
		reply(http.StatusBadRequest, map[string]string{"message": `want a JSON body {"user":"alice","role":"viewer|operator|admin"}`})
		return
	}
	if req.Role == "" {
		req.Role = string(auth.RoleViewer)
	}
	role := auth.Role(req.Role)
	if !role.Valid() || req.User == "" || len(req.User) > 64 {
		refuse(req.User[:min(len(req.User), 64)], "unknown role or bad user name")
		reply(http.StatusBadRequest, map[string]string{"message": "user must be 1-64 characters and role one of viewer, operator, admin"})
		return
	}
	var (
		token string
		exp   time.Time
		err   error
	)
	if s.prod != nil {
		token, exp, err = s.prod.issuer.Access(oidclocal.Token{User: req.User, Groups: []string{string(role)}, TTL: s.cfg.TokenTTL})
	} else {
		token, exp, err = s.minter.Mint(req.User, role)
	}
	if err != nil {
		reply(http.StatusInternalServerError, map[string]string{"message": "could not mint a token"})
		return
	}
	s.log.Info("dev token minted", "user", req.User, "role", role, "expiresAt", exp)
	reply(http.StatusOK, map[string]any{"token": token, "expiresAt": exp.UTC().Format(time.RFC3339), "user": req.User, "role": role})
}
