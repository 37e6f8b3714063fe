package s3audit

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/sync/errgroup"

	"github.com/resync/resync/shared/domain/trail"
)

// fetchBatch and fetchWorkers bound how many records Walk reads ahead and
// how many it reads at once.
const (
	fetchBatch   = 256
	fetchWorkers = 16
)

// Verify walks day's chain (YYYY-MM-DD, UTC) and reports whether it holds
// and where it breaks. It returns ErrInvalid for a bad day and ErrUnavailable
// when S3 cannot be read; a broken chain is a Verification with OK false,
// not an error.
func (t *Trail) Verify(ctx context.Context, day string) (trail.Verification, error) {
	return t.Walk(ctx, day, nil)
}

// fetched is one key's records as read.
type fetched struct {
	first  object
	latest object // only when the key was overwritten
	err    error  // errUnreadable or errNoObject; other errors end the walk
}

// Walk is Verify that also gives each record of the day, in seq order, to
// fn (when not nil) — the original version of each, as it was written. An
// error of fn ends the walk and is returned.
func (t *Trail) Walk(ctx context.Context, day string, fn func(trail.Entry) error) (trail.Verification, error) {
	if _, err := ParseDay(day); err != nil {
		return trail.Verification{}, err
	}
	v := trail.Verification{Day: day}
	keys, err := t.versions(ctx, day)
	if err != nil {
		return v, fmt.Errorf("s3audit: verify %s: %w", day, err)
	}
	brk := func(b trail.Break) {
		if len(v.Breaks) < trail.MaxBreaks {
			v.Breaks = append(v.Breaks, b)
		}
	}
	prev := link{0, Genesis(day)}
	for start := 0; start < len(keys); start += fetchBatch {
		batch := keys[start:min(start+fetchBatch, len(keys))]
		got, err := t.fetch(ctx, batch)
		if err != nil {
			return v, fmt.Errorf("s3audit: verify %s: %w", day, err)
		}
		for i, kv := range batch {
			if kv.seq == 0 {
				brk(trail.Break{Key: kv.key, Reason: "an object that is not a record of the day"})
				continue
			}
			if want := prev.seq + 1; kv.seq != want {
				b := trail.Break{Seq: want, Key: t.Key(day, want), Reason: "missing record", Expected: "seq " + strconv.FormatInt(want, 10)}
				if kv.seq > want+1 {
					b.Reason = "missing records " + strconv.FormatInt(want, 10) + " to " + strconv.FormatInt(kv.seq-1, 10)
				}
				b.Actual = "next is seq " + strconv.FormatInt(kv.seq, 10)
				brk(b)
				prev = link{kv.seq - 1, ""} // the link across a gap cannot be checked
			}
			f := got[i]
			switch {
			case kv.versions == 0:
				brk(trail.Break{Seq: kv.seq, Key: kv.key, Reason: "deleted: only delete markers remain"})
				prev = link{kv.seq, ""}
				continue
			case f.err != nil:
				brk(trail.Break{Seq: kv.seq, Key: kv.key, Reason: "unreadable: " + f.err.Error()})
				prev = link{kv.seq, ""}
				continue
			}
			o := f.first
			if kv.versions > 1 {
				brk(trail.Break{Seq: kv.seq, Key: kv.key, Reason: fmt.Sprintf("overwritten: %d versions; the original is verified", kv.versions),
					Expected: o.Hash, Actual: f.latest.sum()})
			}
			if kv.deleted {
				brk(trail.Break{Seq: kv.seq, Key: kv.key, Reason: "hidden by a delete marker"})
			}
			switch sum := o.sum(); {
			case o.Day != day || o.Seq != kv.seq:
				brk(trail.Break{Seq: kv.seq, Key: kv.key, Reason: "moved: the record names another place",
					Expected: day + " seq " + strconv.FormatInt(kv.seq, 10), Actual: o.Day + " seq " + strconv.FormatInt(o.Seq, 10)})
			case sum != o.Hash:
				brk(trail.Break{Seq: kv.seq, Key: kv.key, Reason: "hash mismatch: the record was altered", Expected: o.Hash, Actual: sum})
			case prev.hash != "" && o.PrevHash != prev.hash:
				brk(trail.Break{Seq: kv.seq, Key: kv.key, Reason: "chain broken: prevHash is not the previous record's hash", Expected: prev.hash, Actual: o.PrevHash})
			}
			prev = link{kv.seq, o.Hash}
			v.Records++
			v.LastSeq, v.LastHash = kv.seq, o.Hash
			if fn != nil {
				if err := fn(o.entry(kv.key)); err != nil {
					return v, err
				}
			}
		}
	}
	v.OK = len(v.Breaks) == 0
	return v, nil
}

// fetch reads the original (and, for an overwritten key, the latest)
// version of each key, a few at a time.
func (t *Trail) fetch(ctx context.Context, batch []keyVersions) ([]fetched, error) {
	out := make([]fetched, len(batch))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(fetchWorkers)
	for i, kv := range batch {
		if kv.seq == 0 || kv.versions == 0 {
			continue
		}
		g.Go(func() error {
			o, err := t.read(gctx, kv.key, kv.first)
			if err != nil {
				if errors.Is(err, errUnreadable) || errors.Is(err, errNoObject) {
					out[i].err = err
					return nil
				}
				return err
			}
			out[i].first = o
			if kv.versions > 1 && kv.latest != "" {
				l, err := t.read(gctx, kv.key, kv.latest)
				if err != nil && !errors.Is(err, errUnreadable) && !errors.Is(err, errNoObject) {
					return err
				}
				out[i].latest = l
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}
