package main

import (
	"context"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/resync/resync/shared/domain/frames"
)

// poster sends one frame to a connection (*push.Poster).
type poster interface {
	Post(ctx context.Context, connectionID string, frame any) error
}

// maxDeltaText keeps a delta frame well under API Gateway's 32 KB frame
// limit once JSON-escaped.
const maxDeltaText = 8 << 10

// frameSink posts what the agent produces to one connection: tool and
// proposal frames at once, answer text coalesced into a delta frame about
// every interval (never one post per token). It counts its posts.
type frameSink struct {
	ctx      context.Context
	post     poster
	conn     string
	id       string // the chat message id
	interval time.Duration
	now      func() time.Time

	mu        sync.Mutex
	buf       []byte
	lastFlush time.Time
	timer     *time.Timer
	err       error // the first post error; later calls return it
	posts     int
}

func newFrameSink(ctx context.Context, p poster, conn, id string, interval time.Duration, now func() time.Time) *frameSink {
	return &frameSink{ctx: ctx, post: p, conn: conn, id: id, interval: interval, now: now, lastFlush: now()}
}

func (s *frameSink) send(frame any) error {
	if s.err != nil {
		return s.err
	}
	if err := s.post.Post(s.ctx, s.conn, frame); err != nil {
		s.err = err
		return err
	}
	s.posts++
	return nil
}

// Delta buffers text and posts it when interval has passed since the last
// post; a timer posts what is left if no more text comes.
func (s *frameSink) Delta(text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.buf = append(s.buf, text...)
	if s.now().Sub(s.lastFlush) >= s.interval || len(s.buf) >= maxDeltaText {
		return s.flushLocked()
	}
	if s.timer == nil {
		s.timer = time.AfterFunc(s.interval, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.timer = nil
			_ = s.flushLocked() // an error is kept in s.err and returned by the next call
		})
	}
	return nil
}

func (s *frameSink) flushLocked() error {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	for len(s.buf) > 0 {
		n := min(len(s.buf), maxDeltaText)
		for n < len(s.buf) && n > 0 && !utf8.RuneStart(s.buf[n]) {
			n-- // never split a UTF-8 sequence
		}
		if err := s.send(frames.Delta{Type: frames.TypeDelta, ID: s.id, Text: string(s.buf[:n])}); err != nil {
			return err
		}
		s.buf = s.buf[n:]
	}
	s.buf = nil
	s.lastFlush = s.now()
	return nil
}

// Flush posts the buffered text now.
func (s *frameSink) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushLocked()
}

// Tool posts a tool frame after the text before it.
func (s *frameSink) Tool(t frames.Tool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.flushLocked(); err != nil {
		return err
	}
	t.Type, t.ID = frames.TypeTool, s.id
	return s.send(t)
}

// Proposal posts a proposal frame after the text before it.
func (s *frameSink) Proposal(p frames.Proposal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.flushLocked(); err != nil {
		return err
	}
	p.Type, p.ID = frames.TypeProposal, s.id
	return s.send(p)
}

// Final posts the remaining text, then the final frame.
func (s *frameSink) Final(f frames.Final) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.flushLocked(); err != nil {
		return err
	}
	return s.send(f)
}

// Posts returns how many frames were posted.
func (s *frameSink) Posts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.posts
}
