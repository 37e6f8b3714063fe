package lambdasvc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/resync/resync/infra/local/internal/awsid"
)

// pool holds the processes of one function. A slot is held by every
// invoke and every process start, so at most Concurrency processes exist:
// each is either idle (in idle, holding no slot) or busy (its invoke holds a
// slot).
type pool struct {
	fn    Function
	svc   *Service
	slots chan struct{}

	mu   sync.Mutex
	idle []*sandbox
	live map[*sandbox]struct{}
	seq  int
}

func (p *pool) invoke(ctx context.Context, payload []byte) (Result, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return Result{}, fmt.Errorf("lambdasvc: %s: waiting for a free process: %w", p.fn.Name, ctx.Err())
	}
	release := func() { <-p.slots }

	sb, initDur, err := p.take(ctx)
	if err != nil {
		release()
		return Result{}, err
	}
	inv := &invocation{
		id:       awsid.UUID(),
		payload:  payload,
		deadline: time.Now().Add(p.fn.Timeout),
		done:     make(chan outcome, 1),
	}
	res, err, finished := sb.run(ctx, inv)
	res.InitDuration = initDur
	if !finished {
		// The caller gave up; the process is still working. Keep the slot
		// until it is done, then recycle the process.
		go func() {
			_, _, _ = sb.wait(context.Background(), inv)
			p.recycle(sb)
			release()
		}()
		return res, err
	}
	p.recycle(sb)
	release()
	if errors.Is(err, ErrCrashed) && sb.wasReady() {
		p.replace()
	}
	return res, err
}

// take returns an idle live process, or starts one.
func (p *pool) take(ctx context.Context) (*sandbox, time.Duration, error) {
	p.mu.Lock()
	for len(p.idle) > 0 {
		sb := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if sb.alive() {
			p.mu.Unlock()
			return sb, 0, nil
		}
		delete(p.live, sb)
	}
	p.mu.Unlock()
	start := time.Now()
	sb, err := p.start(ctx)
	if err != nil {
		return nil, 0, err
	}
	return sb, time.Since(start), nil
}

// start launches a process and waits until it asks for its first invoke.
func (p *pool) start(ctx context.Context) (*sandbox, error) {
	p.mu.Lock()
	p.seq++
	n := p.seq
	if p.live == nil {
		p.live = map[*sandbox]struct{}{}
	}
	p.mu.Unlock()
	sb, err := launch(p.fn, n, p.svc.out, p.svc.log)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.live[sb] = struct{}{}
	p.mu.Unlock()
	if p.svc.isClosed() {
		sb.stop(0)
		return nil, ErrClosed
	}
	if err := sb.awaitReady(ctx, p.fn.InitTimeout); err != nil {
		p.mu.Lock()
		delete(p.live, sb)
		p.mu.Unlock()
		return nil, err
	}
	return sb, nil
}

// recycle returns a live process to the idle list and forgets a dead one.
func (p *pool) recycle(sb *sandbox) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if sb.alive() && !p.svc.isClosed() {
		p.idle = append(p.idle, sb)
		return
	}
	delete(p.live, sb)
}

// replace starts a process in the background to take a crashed one's place,
// when a slot is free.
func (p *pool) replace() {
	select {
	case p.slots <- struct{}{}:
	default:
		return // every slot is busy; new processes start on demand
	}
	go func() {
		defer func() { <-p.slots }()
		sb, err := p.start(context.Background())
		if err != nil {
			p.svc.log.Warn("replacement process failed to start", "function", p.fn.Name, "err", err)
			return
		}
		p.svc.log.Info("replaced crashed process", "function", p.fn.Name, "process", sb.label)
		p.recycle(sb)
	}()
}

func (s *Service) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}
