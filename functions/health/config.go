package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/push"
	"github.com/resync/resync/shared/adapter/redis/alertstore"
	"github.com/resync/resync/shared/adapter/redis/monitorstore"
	"github.com/resync/resync/shared/adapter/webhook"
	"github.com/resync/resync/shared/app/handover"
	"github.com/resync/resync/shared/app/monitor"
	"github.com/resync/resync/shared/app/notify"
	"github.com/resync/resync/shared/edge/config"
	"github.com/resync/resync/shared/edge/setup"
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
	shifts        handover.Shifts
	rules         notify.RulesFile
	console       string
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
	if s.shifts, err = handover.FromSettings(getenv(config.EnvShifts), getenv(config.EnvPlanTimeZone)); err != nil {
		problems = append(problems, fmt.Sprintf("%s/%s: %v", config.EnvShifts, config.EnvPlanTimeZone, err))
	}
	rules := notify.DefaultRules()
	if path := getenv(config.EnvAlertsRules); path != "" {
		if rules, err = os.ReadFile(path); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", config.EnvAlertsRules, err))
		}
	}
	if rules != nil {
		if s.rules, err = notify.ParseRules(rules); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", config.EnvAlertsRules, err))
		}
	}
	s.console = strings.TrimSuffix(getenv(config.EnvConsoleURL), "/")
	if len(problems) > 0 {
		return s, errors.New("health: " + strings.Join(problems, "; "))
	}
	return s, nil
}

// app is what build wires once per execution environment.
type app struct {
	handler       *handler
	setup.Closers // what build made that must be closed; Close closes it, last built first
}

// build reads the configuration, refuses unsafe production settings (naming
// every problem) and wires the clients and the handler. The common part —
// configuration, logger, Redis, verifier, HWA credentials from Secrets
// Manager, the stage check, the graph — comes from shared/edge/setup.
func build(ctx context.Context, getenv func(string) string, stdout io.Writer) (_ *app, err error) {
	s, err := loadSettings(getenv)
	if err != nil {
		return nil, err
	}
	// HWA is checked, not required: without it the deep check reports it as
	// not configured. Every checked (AWS) stage needs it.
	hwaConfigured := s.common.HWA.URL != "" || s.common.HWA.SecretARN != ""
	base, err := setup.New(ctx, function, getenv, stdout, config.Need{Redis: true, Auth: true, HWA: hwaConfigured || s.common.Stage.Checked()})
	if err != nil {
		return nil, err
	}
	a := &app{Closers: setup.Closers{base.Close}}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	rdb := base.Redis

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

	var poster *push.Poster
	if ep := getenv(config.EnvWSEndpoint); ep != "" {
		cfg, err := loadAWS()
		if err != nil {
			return nil, err
		}
		poster = push.NewPoster(push.NewClient(cfg, ep), push.NewRegistry(rdb, nil))
	}
	// The audit trail: read for the executed actions of the alerts and the
	// handover, written by the replays of dead letters (durably, as every
	// writer's: AUDIT_BUCKET).
	trail, _, err := base.Audit(ctx, getenv)
	if err != nil {
		return nil, err
	}
	urls, err := base.Webhooks(ctx, getenv)
	if err != nil {
		return nil, err
	}
	channels, off := s.rules.Bind(urls)
	if len(off) > 0 {
		base.Log.InfoContext(ctx, "alert channels without a webhook are off", "channels", off)
	}
	store := alertstore.New(rdb, "", 0)
	var alerts *notify.Notifier
	if len(channels) > 0 {
		alerts = &notify.Notifier{Channels: channels, Sender: webhook.New(nil), Store: store, Console: s.console}
	}
	var mon *monitor.Monitor
	var digest *handover.Builder
	probes := []probe{redisProbe(rdb, s.checkTimeout)}
	if base.Config.HWA.URL != "" {
		hc, err := base.Config.HWAClient()
		if err != nil {
			return nil, err
		}
		probes = append([]probe{hwaProbe(hc, s.checkTimeout)}, probes...)
		mon = &monitor.Monitor{Plan: hwa.PlanSource{Client: hc}, Store: monitorstore.New(rdb)}
		if poster != nil {
			mon.Push = poster
		}
		digest = &handover.Builder{Plan: hwa.PlanSource{Client: hc}, Actions: trail, Shifts: s.shifts}
	} else {
		probes = append([]probe{skipped("hwa", config.EnvHWAURL+" is not set")}, probes...)
	}
	g, err := base.Graph(ctx, getenv, false)
	if err != nil {
		return nil, err
	}
	if g != nil {
		a.Closers = append(a.Closers, func() { _ = g.Close(context.Background()) })
		probes = append(probes, neo4jProbe(g, s.checkTimeout))
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

	deps := handlerDeps{
		stage:   base.Config.Stage,
		auth:    base.Verifier,
		store:   redisStore{rdb: rdb},
		check:   &checker{probes: probes, now: time.Now, failed: logFailure(base.Log)},
		log:     base.Log,
		metrics: base.Metrics,
		refused: base.Edge().Refused,
		now:     time.Now,
	}
	if mon != nil {
		deps.monitor = mon
		deps.handover = digest
	}
	if alerts != nil {
		deps.notify, deps.actions = alerts, trail
		deps.dead, deps.replay, deps.audit = store, alerts, trail
		for _, c := range channels {
			deps.channels = append(deps.channels, c.ID)
		}
	}
	if base.Limits != nil {
		deps.limits = base.Limits
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
