package cache

import (
	"sync/atomic"
	"time"
)

// latencyBounds are the upper bounds of the load-latency histogram buckets;
// a last bucket catches everything slower.
var latencyBounds = [...]time.Duration{
	time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond,
	10 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second,
}

type counters struct {
	localHits, redisHits, misses, staleServes, coalesced atomic.Int64
	loads, loadErrors, redisErrors, invalidations        atomic.Int64
	loadNanos                                            atomic.Int64
	bytes                                                atomic.Int64
	buckets                                              [len(latencyBounds) + 1]atomic.Int64
}

func (s *counters) observeLoad(d time.Duration) {
	s.loads.Add(1)
	s.loadNanos.Add(int64(d))
	i := 0
	for i < len(latencyBounds) && d > latencyBounds[i] {
		i++
	}
	s.buckets[i].Add(1)
}

// Bucket is one bar of the load-latency histogram: Count loads took at most
// UpperBound (zero UpperBound: slower than every bound).
type Bucket struct {
	UpperBound time.Duration `json:"upperBound"`
	Count      int64         `json:"count"`
}

// Stats is a snapshot of a Cache's counters since it was created.
type Stats struct {
	// LocalHits and RedisHits count Gets answered by each tier.
	LocalHits int64 `json:"localHits"`
	RedisHits int64 `json:"redisHits"`
	// Misses counts Gets that missed both tiers (each caller, including those
	// that shared another caller's load); StaleServes is the part of them
	// answered with a last good copy.
	Misses      int64 `json:"misses"`
	StaleServes int64 `json:"staleServes"`
	// Coalesced counts Gets that waited on another caller's flight instead of
	// making their own.
	Coalesced int64 `json:"coalesced"`
	// Loads counts calls of load functions, LoadErrors the failed ones.
	Loads      int64 `json:"loads"`
	LoadErrors int64 `json:"loadErrors"`
	// RedisErrors counts Redis failures that the cache worked around.
	RedisErrors   int64 `json:"redisErrors"`
	Invalidations int64 `json:"invalidations"`
	// LoadTime is the total time spent in load functions; LoadP50 and LoadP99
	// are the upper bounds of the histogram buckets holding those quantiles.
	LoadTime      time.Duration `json:"loadTimeNanos"`
	LoadP50       time.Duration `json:"loadP50Nanos"`
	LoadP99       time.Duration `json:"loadP99Nanos"`
	LoadHistogram []Bucket      `json:"loadHistogram"`
	// Entries and Bytes describe the local tier now; Bytes counts keys and values.
	Entries int   `json:"entries"`
	Bytes   int64 `json:"bytes"`
	// MaxEntries and MaxBytes are the local tier's bounds.
	MaxEntries int    `json:"maxEntries"`
	MaxBytes   uint64 `json:"maxBytes"`
}

// HitRate returns the share of Gets answered by the local tier, by Redis,
// and by either, each in [0, 1]; all zero before the first Get.
func (s Stats) HitRate() (local, redis, total float64) {
	n := float64(s.LocalHits + s.RedisHits + s.Misses)
	if n == 0 {
		return 0, 0, 0
	}
	return float64(s.LocalHits) / n, float64(s.RedisHits) / n, float64(s.LocalHits+s.RedisHits) / n
}

// Stats returns a snapshot of the counters. Counters are read one by one, so
// a snapshot taken under load may be off by the Gets in flight.
func (c *Cache) Stats() Stats {
	s := Stats{
		LocalHits:     c.stats.localHits.Load(),
		RedisHits:     c.stats.redisHits.Load(),
		Misses:        c.stats.misses.Load(),
		StaleServes:   c.stats.staleServes.Load(),
		Coalesced:     c.stats.coalesced.Load(),
		Loads:         c.stats.loads.Load(),
		LoadErrors:    c.stats.loadErrors.Load(),
		RedisErrors:   c.stats.redisErrors.Load(),
		Invalidations: c.stats.invalidations.Load(),
		LoadTime:      time.Duration(c.stats.loadNanos.Load()),
		Entries:       c.local.EstimatedSize(),
		Bytes:         c.stats.bytes.Load(),
		MaxEntries:    c.cfg.MaxEntries,
		MaxBytes:      c.cfg.MaxBytes,
		LoadHistogram: make([]Bucket, len(c.stats.buckets)),
	}
	var total int64
	for i := range c.stats.buckets {
		n := c.stats.buckets[i].Load()
		total += n
		s.LoadHistogram[i].Count = n
		if i < len(latencyBounds) {
			s.LoadHistogram[i].UpperBound = latencyBounds[i]
		}
	}
	s.LoadP50 = quantile(s.LoadHistogram, total, 0.50)
	s.LoadP99 = quantile(s.LoadHistogram, total, 0.99)
	return s
}

// quantile returns the upper bound of the bucket holding quantile q, or the
// last bound when it falls in the overflow bucket.
func quantile(h []Bucket, total int64, q float64) time.Duration {
	if total == 0 {
		return 0
	}
	rank := int64(q*float64(total) + 0.5)
	rank = max(rank, 1)
	var seen int64
	for _, b := range h {
		seen += b.Count
		if seen >= rank {
			if b.UpperBound == 0 {
				return latencyBounds[len(latencyBounds)-1]
			}
			return b.UpperBound
		}
	}
	return latencyBounds[len(latencyBounds)-1]
}
