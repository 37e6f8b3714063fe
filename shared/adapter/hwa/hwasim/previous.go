package hwasim

// The previous plan: the production plan that ran before the current one,
// archived. Reads (GET) with plan_id = PreviousPlanID() answer from it;
// actions with that plan_id get 409 ACTION_NOT_ALLOWED; any other plan_id
// but "current" is 404 PLAN_NOT_FOUND. It has the same workstations, job
// streams and jobs by name as the current plan (yesterday's plan of the
// same installation), other ids and outcomes (drawn from a seed derived
// from Config.Seed), and it ran to its end: it started 24 hours before the
// current plan and ended when the current one started. It is generated on
// its first read and never moves again.

const previousSeedMix = 0x7e57_da7a

// PreviousPlanID returns the id of the previous plan, for plan_id.
func (s *Server) PreviousPlanID() string { return s.prevID }

// previousPlan returns the previous plan, generating it on first use. The
// caller holds s.mu.
func (s *Server) previousPlan() *plan {
	if s.prev == nil {
		cfg := s.cfg
		cfg.Seed ^= previousSeedMix
		start := s.plan.start.Add(-planLength)
		p := generateAs(cfg, start.Add(planLookBack), s.prevID)
		p.step(start.Add(planLength))
		s.prev = p
	}
	return s.prev
}
