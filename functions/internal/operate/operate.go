// Package operate wires, once per execution environment, what the chat and
// MCP functions both need to act on the plan: the operator actions (one
// proposal store, one idempotency record per confirm, one audit trail, one
// rate limiter) and the shift handover. Both functions build them here, so a
// proposal confirmed in the console and over MCP executes once, and the two
// offer the same tools backed the same way.
package operate

import (
	"context"
	"fmt"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/redis/audit"
	"github.com/resync/resync/shared/adapter/redis/idemstore"
	"github.com/resync/resync/shared/adapter/redis/proposalstore"
	"github.com/resync/resync/shared/adapter/redis/ratelimit"
	"github.com/resync/resync/shared/app/agent"
	"github.com/resync/resync/shared/app/handover"
	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/idempotency"
	"github.com/resync/resync/shared/edge/config"
	"github.com/resync/resync/shared/edge/setup"
)

// IdempotencyPrefix is the Redis prefix of the idempotency records; chat's
// frame replays share the store.
const IdempotencyPrefix = "idem:"

// confirmExpiry is how long a confirm's outcome is kept for replays.
const confirmExpiry = 24 * time.Hour

// Parts is what Build wires.
type Parts struct {
	Actions  *agent.Actions
	Audit    *audit.Log
	Limits   *ratelimit.Limiter
	Store    *idemstore.Store
	Handover *handover.Builder
}

// Build wires the actions over hc and plan (impact is a proposal's impact
// service) and the handover over the same plan and audit trail, reading
// SHIFTS and PLAN_TIME_ZONE. function names the errors.
func Build(ctx context.Context, function string, getenv func(string) string, base *setup.Base, hc *hwa.Client, plan *planview.Service, impact agent.Impacts) (Parts, error) {
	var p Parts
	var err error
	if p.Limits, err = ratelimit.New(base.Redis, ratelimit.Config{}); err != nil {
		return Parts{}, fmt.Errorf("%s: rate limits: %w", function, err)
	}
	p.Store = idemstore.New(base.Redis, IdempotencyPrefix)
	if p.Audit, _, err = base.Audit(ctx, getenv); err != nil {
		return Parts{}, err
	}
	p.Actions, err = agent.NewActions(agent.ActionsConfig{
		Proposals: proposalstore.New(base.Redis, ""), HWA: hwa.Operator{Client: hc}, Reads: hwa.PlanSource{Client: hc}, Plan: plan,
		Guard:   idempotency.New(p.Store, idempotency.Config{Expiry: confirmExpiry}),
		Audit:   p.Audit,
		Limiter: p.Limits,
		Impact:  impact,
	})
	if err != nil {
		return Parts{}, fmt.Errorf("%s: %w", function, err)
	}
	shifts, err := handover.FromSettings(getenv(config.EnvShifts), getenv(config.EnvPlanTimeZone))
	if err != nil {
		return Parts{}, fmt.Errorf("%s: %s/%s: %w", function, config.EnvShifts, config.EnvPlanTimeZone, err)
	}
	p.Handover = &handover.Builder{Plan: hwa.PlanSource{Client: hc}, Actions: p.Audit, Shifts: shifts}
	return p, nil
}
