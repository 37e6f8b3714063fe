package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/resync/resync/shared/auth"
	"github.com/resync/resync/shared/config"
	"github.com/resync/resync/shared/metrics"
	"github.com/resync/resync/shared/monitor"
	"github.com/resync/resync/shared/obs"
	"github.com/resync/resync/shared/planview"
	"github.com/resync/resync/shared/push"
	"github.com/resync/resync/shared/security"
	"github.com/resync/resync/shared/stage"
)

const function = "health"

// EnvCheckTimeout bounds each dependency check of the deep check.
const EnvCheckTimeout = "HEALTH_CHECK_TIMEOUT"

// need is what health requires of the environment. HWA is checked, not
// required: without it the deep check reports HWA as not configured.
var need = config.Need{Redis: true, Auth: true}

// settings are health's own settings besides config.Common.
type settings struct {
	common        config.Common
	checkTimeout  time.Duration
	neo4jURI      string
	neo4jUser     string
	neo4jPass     string
	bedrockModel  string
	bedrockRegion string
}

// loadSettings reads the environment with getenv and reports every problem
// at once.
func loadSettings(getenv func(string) string) (settings, error) {
	var problems []string
	c, err := config.Load(getenv, need)
	if err != nil {
		problems = append(problems, err.Error())
	}
	s := settings{
		common: c, checkTimeout: 3 * time.Second,
		neo4jURI: getenv(config.EnvNeo4jURI), neo4jUser: getenv(config.EnvNeo4jUser), neo4jPass: getenv(config.EnvNeo4jPassword),
		bedrockModel: getenv(config.EnvBedrockModel), bedrockRegion: getenv(config.EnvBedrockRegion),
	}
	if v := getenv(EnvCheckTimeout); v != "" {
		if s.checkTimeout, err = time.ParseDuration(v); err != nil || s.checkTimeout <= 0 {
			problems = append(problems, fmt.Sprintf("%s: want a positive Go duration such as 3s, got %q", EnvCheckTimeout, v))
		}
	}
	if s.neo4jURI != "" && getenv(config.EnvNeo4jSecretARN) == "" && s.neo4jPass == "" {
		problems = append(problems, fmt.Sprintf("%s is set but %s is not", config.EnvNeo4jURI, config.EnvNeo4jPassword))
	}
	if s.neo4jUser == "" {
		s.neo4jUser = "neo4j"
	}
	if len(problems) > 0 {
		return s, errors.New("health: " + strings.Join(problems, "; "))
	}
	return s, nil
}

// app is what build wires once per execution environment.
type app struct {
	handler *handler
	closers []func()
}

func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
}

// build reads the configuration, refuses unsafe production settings (naming
// every problem) and wires the clients and the handler.
func build(ctx context.Context, getenv func(string) string, stdout io.Writer) (_ *app, err error) {
	s, err := loadSettings(getenv)
	if err != nil {
		return nil, err
	}
	a := &app{}
	defer func() {
		if err != nil {
			a.close()
		}
	}()
	logger := obs.NewLogger(stdout, obs.ParseLevel(s.common.LogLevel))

	var awsCfg *aws.Config
	loadAWS := func() (aws.Config, error) {
		if awsCfg == nil {
			cfg, err := awsconfig.LoadDefaultConfig(ctx)
			if err != nil {
				return aws.Config{}, fmt.Errorf("health: load AWS config: %w", err)
			}
			awsCfg = &cfg
		}
		return *awsCfg, nil
	}
	if s.common.HWA.SecretARN != "" {
		cfg, err := loadAWS()
		if err != nil {
			return nil, err
		}
		if err := s.common.ResolveHWA(ctx, secretsmanager.NewFromConfig(cfg)); err != nil {
			return nil, err
		}
	}

	rdb, err := s.common.Redis()
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, func() { _ = rdb.Close() })

	hwaNeed := config.Need{HWA: s.common.HWA.URL != "" || s.common.Stage == stage.Production}
	st := s.common.StageSettings(hwaNeed)
	st.RedisPing = func(ctx context.Context) error { return rdb.Ping(ctx).Err() }
	if err := stage.Check(ctx, st); err != nil {
		return nil, err
	}

	verifier, err := s.common.Verifier(ctx)
	if err != nil {
		return nil, err
	}

	var poster *push.Poster
	if ep := getenv(config.EnvWSEndpoint); ep != "" {
		cfg, err := loadAWS()
		if err != nil {
			return nil, err
		}
		poster = push.NewPoster(push.NewClient(cfg, ep), push.NewRegistry(rdb, nil))
	}
	var mon *monitor.Monitor
	probes := []probe{redisProbe(rdb, s.checkTimeout)}
	if s.common.HWA.URL != "" {
		hc, err := s.common.HWAClient()
		if err != nil {
			return nil, err
		}
		probes = append([]probe{hwaProbe(hc, s.checkTimeout)}, probes...)
		mon = &monitor.Monitor{Plan: planview.HWA{Client: hc}, Store: monitor.NewStore(rdb)}
		if poster != nil {
			mon.Push = poster
		}
	} else {
		probes = append([]probe{skipped("hwa", config.EnvHWAURL+" is not set")}, probes...)
	}
	if s.neo4jURI != "" {
		d, err := neo4j.NewDriverWithContext(s.neo4jURI, neo4j.BasicAuth(s.neo4jUser, s.neo4jPass, ""))
		if err != nil {
			return nil, fmt.Errorf("health: neo4j driver: %w", err)
		}
		a.closers = append(a.closers, func() { _ = d.Close(context.Background()) })
		probes = append(probes, neo4jProbe(d, s.checkTimeout))
	} else {
		probes = append(probes, skipped("neo4j", config.EnvNeo4jURI+" is not set"))
	}
	if s.bedrockModel != "" {
		cfg, err := loadAWS()
		if err != nil {
			return nil, err
		}
		br := bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) {
			if s.bedrockRegion != "" {
				o.Region = s.bedrockRegion
			}
		})
		probes = append(probes, bedrockProbe(br, s.bedrockModel, s.checkTimeout))
	} else {
		probes = append(probes, skipped("bedrock", config.EnvBedrockModel+" is not set"))
	}

	emf := metrics.New(stdout, "Resync", nil)
	deps := handlerDeps{
		stage:   s.common.Stage,
		auth:    verifier,
		store:   redisStore{rdb: rdb},
		check:   &checker{probes: probes, now: time.Now, failed: logFailure(logger)},
		log:     logger,
		metrics: emf,
		refused: recordRefusal(security.New(rdb, 0), logger),
		now:     time.Now,
	}
	if mon != nil {
		deps.monitor = mon
	}
	if poster != nil {
		deps.push = poster
	}
	a.handler, err = newHandler(deps)
	if err != nil {
		return nil, err
	}
	return a, nil
}

func logFailure(logger interface {
	WarnContext(ctx context.Context, msg string, args ...any)
}) func(ctx context.Context, name string, err error) {
	return func(ctx context.Context, name string, err error) {
		logger.WarnContext(ctx, "dependency check failed", "check", name, "err", err.Error())
	}
}

// recordRefusal writes refused tokens to the security log the admin view reads.
func recordRefusal(sec *security.Log, logger interface {
	WarnContext(ctx context.Context, msg string, args ...any)
}) func(ctx context.Context, r *http.Request, err error) {
	return func(ctx context.Context, r *http.Request, err error) {
		kind, reason := security.RefusedToken, "invalid token"
		switch {
		case errors.Is(err, auth.ErrForbidden):
			kind, reason = security.ForbiddenRole, "role too low"
		case errors.Is(err, auth.ErrMissing):
			reason = "missing token"
		case errors.Is(err, auth.ErrExpired):
			reason = "expired token"
		}
		user := ""
		if c, ok := auth.FromContext(ctx); ok {
			user = c.User()
		}
		ev := security.Event{Kind: kind, User: user, Reason: reason, Route: r.Method + " " + r.URL.Path, Function: function}
		if err := sec.Record(ctx, ev); err != nil {
			logger.WarnContext(ctx, "recording a security event failed", "err", err.Error())
		}
	}
}
