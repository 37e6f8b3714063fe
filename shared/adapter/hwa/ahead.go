package hwa

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
)

// idleConnsPerHost is the client's pool of idle connections to HWA: room
// for a sync's pages ahead and detail fetches in flight.
const idleConnsPerHost = 16

// pagesAhead yields every result of a list with up to q.Ahead pages in
// flight. The first page is read alone: its total count (Include-Count)
// says which offsets follow, and those pages are read in parallel and
// yielded in order, so the caller sees the sequence pages would give. At
// most q.Ahead pages are fetched or waiting at any time, which bounds the
// memory to q.Ahead pages whatever the size of the list.
//
// The count of the first page is trusted, as pages trusts it: a list that
// grew while it was read is read to that count, and one that shrank ends at
// its first short page. A server that sends no count is read one page at a
// time by offset until a short page. The sequence stops at the first error, and
// stopping it early cancels the pages still in flight.
func pagesAhead[T any](ctx context.Context, c *Client, op, pattern string, q Query, query url.Values, limit int, yield func(T, error) bool) {
	var zero T
	fetch := func(ctx context.Context, pageNo, offset int) (Page[T], error) {
		v := cloneValues(query)
		v.Set("offset", strconv.Itoa(offset))
		r := &request{op: fmt.Sprintf("%s page %d", op, pageNo), pattern: pattern, path: pattern, query: v,
			header: http.Header{"Include-Count": {"true"}}}
		var p Page[T]
		err := c.getJSON(ctx, r, &p)
		return p, err
	}
	n := 0
	// emit yields a page's results and reports whether to read on.
	emit := func(p Page[T]) bool {
		for _, x := range p.Results {
			if !yield(x, nil) {
				return false
			}
			n++
			if q.MaxResults > 0 && n >= q.MaxResults {
				return false
			}
		}
		return len(p.Results) == limit
	}

	first, err := fetch(ctx, 1, 0)
	if err != nil {
		yield(zero, err)
		return
	}
	// A server that caps the page size sends fewer than asked while its
	// count says there are more: step the offsets by what it sends.
	if n := len(first.Results); n > 0 && n < limit && first.Count > int64(n) {
		limit = n
	}
	if !emit(first) {
		return
	}
	total := first.Count
	if q.MaxResults > 0 && (total == 0 || total > int64(q.MaxResults)) {
		total = int64(q.MaxResults)
	}
	var offsets []int
	for off := limit; int64(off) < total; off += limit {
		if len(offsets) == maxPages {
			yield(zero, &Error{Op: op, Kind: ErrBadResponse, Message: fmt.Sprintf("the server counts %d results, more than %d pages", total, maxPages)})
			return
		}
		offsets = append(offsets, off)
	}

	next := limit // the offset after the last page yielded
	if len(offsets) > 0 {
		ok, last := readAhead(ctx, q.Ahead, offsets, fetch, func(p Page[T], err error) bool {
			var he *Error
			if err != nil && !errors.As(err, &he) { // the caller's context ended
				err = &Error{Op: op, Message: err.Error(), Err: err}
			}
			if err != nil {
				yield(zero, err)
				return false
			}
			return emit(p)
		})
		if !ok {
			return
		}
		next = last + limit
	}
	if total > 0 {
		return
	}
	// No count: read on one page at a time.
	for pageNo := len(offsets) + 2; pageNo <= maxPages; pageNo++ {
		p, err := fetch(ctx, pageNo, next)
		if err != nil {
			yield(zero, err)
			return
		}
		if !emit(p) {
			return
		}
		next += limit
	}
	yield(zero, &Error{Op: op, Kind: ErrBadResponse, Message: "the server's pages do not end"})
}

// readAhead fetches the pages at offsets with at most ahead in flight and
// passes them to use in order; use returns false to stop. It reports
// whether every page was used and read on, and the offset of the last one.
func readAhead[P any](ctx context.Context, ahead int, offsets []int, fetch func(context.Context, int, int) (P, error), use func(P, error) bool) (bool, int) {
	type result struct {
		p   P
		err error
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait() // after cancel: no fetch outlives the sequence
	defer cancel()

	slots := make(chan struct{}, ahead) // one per page fetched or waiting
	results := make([]chan result, len(offsets))
	for i := range results {
		results[i] = make(chan result, 1)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i, off := range offsets {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := fetch(ctx, i+2, off)
				results[i] <- result{p, err}
			}()
		}
	}()
	for i := range offsets {
		var r result
		select {
		case r = <-results[i]:
		case <-ctx.Done():
			var zero P
			use(zero, ctx.Err())
			return false, offsets[i]
		}
		<-slots
		if !use(r.p, r.err) {
			return false, offsets[i]
		}
	}
	return true, offsets[len(offsets)-1]
}
