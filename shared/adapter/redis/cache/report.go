package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/redis/go-redis/v9"
)

// A local tier lives in one process, so its statistics do too. To give the
// admin view the whole picture, each process publishes its snapshot with
// Report to one Redis hash (field = function/instance); Reports reads them
// back, dropping snapshots older than maxAge (processes that went away).

// ReportKey is the Redis hash holding the published snapshots.
const ReportKey = "cache:stats"

// InstanceStats is one process's published snapshot.
type InstanceStats struct {
	Function string    `json:"function"`
	Instance string    `json:"instance"`
	At       time.Time `json:"at"`
	Stats    Stats     `json:"stats"`
}

// Report publishes this process's Stats under function/instance.
func (c *Cache) Report(ctx context.Context, function, instance string) error {
	snap := InstanceStats{Function: function, Instance: instance, At: c.now().UTC(), Stats: c.Stats()}
	b, err := json.Marshal(snap)
	if err != nil {
		return fmt.Errorf("cache: encode stats: %w", err)
	}
	ctx, cancel := c.redisCtx(ctx)
	defer cancel()
	if err := c.rdb.HSet(ctx, ReportKey, function+"/"+instance, b).Err(); err != nil {
		return fmt.Errorf("cache: report stats: %w", err)
	}
	return nil
}

func (c *Cache) now() time.Time {
	if c.cfg.Clock != nil {
		return c.cfg.Clock.Now()
	}
	return time.Now()
}

// Reports returns the snapshots published within maxAge of now, sorted by
// function and instance, and removes older ones.
func Reports(ctx context.Context, rdb redis.Cmdable, now time.Time, maxAge time.Duration) ([]InstanceStats, error) {
	all, err := rdb.HGetAll(ctx, ReportKey).Result()
	if err != nil {
		return nil, fmt.Errorf("cache: read stats reports: %w", err)
	}
	var out []InstanceStats
	var old []string
	for field, raw := range all {
		var s InstanceStats
		if err := json.Unmarshal([]byte(raw), &s); err != nil || now.Sub(s.At) > maxAge {
			old = append(old, field)
			continue
		}
		out = append(out, s)
	}
	if len(old) > 0 {
		_ = rdb.HDel(ctx, ReportKey, old...).Err() // best effort: stale fields are skipped anyway
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Function != out[j].Function {
			return out[i].Function < out[j].Function
		}
		return out[i].Instance < out[j].Instance
	})
	return out, nil
}

// Sum adds the counters of several snapshots (latency quantiles are taken
// from the merged histogram).
func Sum(snaps []InstanceStats) Stats {
	var s Stats
	for _, in := range snaps {
		x := in.Stats
		s.LocalHits += x.LocalHits
		s.RedisHits += x.RedisHits
		s.Misses += x.Misses
		s.StaleServes += x.StaleServes
		s.Coalesced += x.Coalesced
		s.Loads += x.Loads
		s.LoadErrors += x.LoadErrors
		s.RedisErrors += x.RedisErrors
		s.Invalidations += x.Invalidations
		s.LoadTime += x.LoadTime
		s.Entries += x.Entries
		s.Bytes += x.Bytes
		s.MaxEntries += x.MaxEntries
		s.MaxBytes += x.MaxBytes
		if s.LoadHistogram == nil {
			s.LoadHistogram = make([]Bucket, len(x.LoadHistogram))
		}
		for i := range x.LoadHistogram {
			if i < len(s.LoadHistogram) {
				s.LoadHistogram[i].UpperBound = x.LoadHistogram[i].UpperBound
				s.LoadHistogram[i].Count += x.LoadHistogram[i].Count
			}
		}
	}
	var total int64
	for _, b := range s.LoadHistogram {
		total += b.Count
	}
	s.LoadP50 = quantile(s.LoadHistogram, total, 0.50)
	s.LoadP99 = quantile(s.LoadHistogram, total, 0.99)
	return s
}
