// Package cached is the vocabulary of the read-through cache in front of HWA
// (shared/adapter/redis/cache), as the services that read through it
// (shared/app/planview) name it: the kinds of cached data, where an answer
// came from (Tier) and the answer itself with its freshness (Result). It
// needs only the standard library.
package cached

import "time"

// Kind names a kind of cached data; each kind has its own TTL. A Kind must
// not contain ':' (it separates kind and key in names and prefixes).
type Kind string

// Kinds used by the functions. Any other Kind works too and gets the cache's
// default TTL unless its configuration names it.
const (
	KindSummary Kind = "summary"
	KindList    Kind = "list"
	KindLog     Kind = "log"
	KindJob     Kind = "job"
)

// Tier says where a Result came from.
type Tier uint8

// Tiers of a Result.
const (
	TierLocal Tier = iota + 1 // the in-process tier
	TierRedis                 // the shared Redis tier
	TierLoad                  // a fresh call to the load function
	TierStale                 // the last good copy, served because the load failed
)

// String returns the tier's name as used in logs and metrics.
func (t Tier) String() string {
	switch t {
	case TierLocal:
		return "local"
	case TierRedis:
		return "redis"
	case TierLoad:
		return "load"
	case TierStale:
		return "stale"
	}
	return "unknown"
}

// Result is a cached value. Value is shared with the cache and must not be
// modified by the caller.
type Result struct {
	Value    []byte
	Stale    bool          // true when the load failed and this is the last good copy
	StoredAt time.Time     // when the value was loaded from the origin
	Age      time.Duration // how old the value is at the time of the Get
	Tier     Tier
}
