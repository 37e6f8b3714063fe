// Package secevent is the vocabulary of the security events an admin
// reviews — refused tokens, failed sign-ins, forbidden roles and rate-limit
// hits — shared by the log that keeps them (shared/adapter/redis/security)
// and the services that report them (shared/app/compliance). It needs only
// the standard library.
package secevent

import "time"

// Kind is a kind of security event.
type Kind string

// The kinds recorded.
const (
	RefusedToken  Kind = "refused_token"
	FailedSignIn  Kind = "failed_sign_in"
	RateLimitHit  Kind = "rate_limit"
	ForbiddenRole Kind = "forbidden"
)

// Kinds lists every kind in display order.
func Kinds() []Kind { return []Kind{FailedSignIn, RefusedToken, ForbiddenRole, RateLimitHit} }

// DefaultKeep is how many events of each kind the security log keeps unless
// told otherwise; a report over the log can say no more than that.
const DefaultKeep = 500

// Event is one security event. It never holds a token or a secret.
type Event struct {
	Time     time.Time `json:"time"`
	Kind     Kind      `json:"kind"`
	User     string    `json:"user,omitempty"`   // when known (forbidden, rate limit)
	Reason   string    `json:"reason"`           // e.g. "expired", "invalid signature"
	Route    string    `json:"route,omitempty"`  // route key or WebSocket route
	Source   string    `json:"source,omitempty"` // caller address as API Gateway saw it
	Function string    `json:"function,omitempty"`
}
