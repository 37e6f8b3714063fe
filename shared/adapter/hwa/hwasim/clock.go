package hwasim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// The simulator's admin path, not part of the HWA API: /sim/clock reads and
// moves the plan's clock over HTTP, so tests and `make dev` can freeze it,
// jump ahead or let it run faster than the wall clock.
//
//	GET /sim/clock                      → {"now": "...", "speed": 0, "frozen": true}
//	PUT /sim/clock {"advance": "90m"}   move forward by a Go duration
//	PUT /sim/clock {"to": "2026-...Z"}  move forward to an instant (never back: 409)
//	PUT /sim/clock {"speed": 60}        60 plan seconds per wall second from now on
//	PUT /sim/clock {"freeze": true}     stop the clock (speed 0)
//
// A body may combine a move with a speed or freeze; the move comes first.
// It takes the same credentials as the API; read-only callers get 403.
const clockPath = "/sim/clock"

// ClockState is the answer of /sim/clock.
type ClockState struct {
	Now    time.Time `json:"now"`
	Speed  float64   `json:"speed"` // plan seconds per wall-clock second; 0 when frozen
	Frozen bool      `json:"frozen"`
}

type clockChange struct {
	Advance string    `json:"advance"`
	To      time.Time `json:"to"`
	Speed   *float64  `json:"speed"`
	Freeze  bool      `json:"freeze"`
}

// SetSpeed lets the plan's clock run at speed plan seconds per wall-clock
// second from now on (0 freezes it). Config.Wall is the wall clock.
func (s *Server) SetSpeed(speed float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.syncClock()
	s.setSpeed(speed)
}

func (s *Server) setSpeed(speed float64) {
	s.speed = max(speed, 0)
	s.wallAt, s.planAt = s.wall(), s.plan.now
}

// runClock moves the plan to where its running clock has got (s.mu held).
func (s *Server) runClock() {
	if s.speed <= 0 {
		return
	}
	elapsed := s.wall().Sub(s.wallAt)
	s.plan.step(s.planAt.Add(time.Duration(float64(elapsed) * s.speed)).Truncate(time.Second))
}

func (s *Server) clockState() ClockState {
	return ClockState{Now: s.plan.now, Speed: s.speed, Frozen: s.speed <= 0 && s.cfg.Clock == nil}
}

func (s *Server) admin(w http.ResponseWriter, r *http.Request, who caller) {
	if r.URL.Path != clockPath {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "no such simulator path; try "+clockPath)
		return
	}
	switch r.Method {
	case http.MethodGet:
	case http.MethodPut, http.MethodPost:
		if who.readOnly {
			writeError(w, http.StatusForbidden, "NOT_ALLOWED", "a read-only caller cannot move the clock")
			return
		}
	default:
		w.Header().Set("Allow", "GET, PUT")
		writeError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "use GET or PUT")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.syncClock()
	if r.Method != http.MethodGet {
		if err := s.changeClock(r.Body); err != nil {
			writeError(w, err.status, err.code, err.msg)
			return
		}
	}
	writeJSON(w, http.StatusOK, s.clockState())
}

type clockError struct {
	status    int
	code, msg string
}

func (s *Server) changeClock(body io.Reader) *clockError {
	var c clockChange
	dec := json.NewDecoder(io.LimitReader(body, 4<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return &clockError{http.StatusBadRequest, "INVALID_BODY", "want {\"advance\": \"90m\"}, {\"to\": instant}, {\"speed\": n} or {\"freeze\": true}: " + err.Error()}
	}
	target := s.plan.now
	if c.Advance != "" {
		d, err := time.ParseDuration(c.Advance)
		if err != nil || d < 0 {
			return &clockError{http.StatusBadRequest, "INVALID_BODY", fmt.Sprintf("advance %q: want a positive Go duration such as 90m", c.Advance)}
		}
		target = target.Add(d)
	}
	if !c.To.IsZero() {
		if c.To.Before(s.plan.now) {
			return &clockError{http.StatusConflict, "CLOCK_BACKWARDS", "the plan's clock never moves back (now " + instant(s.plan.now) + ")"}
		}
		target = c.To.UTC().Truncate(time.Second)
	}
	s.plan.step(target)
	switch {
	case c.Freeze:
		s.setSpeed(0)
	case c.Speed != nil:
		if *c.Speed < 0 || *c.Speed > 1e6 {
			return &clockError{http.StatusBadRequest, "INVALID_BODY", "speed must be in [0, 1000000]"}
		}
		s.setSpeed(*c.Speed)
	default:
		s.setSpeed(s.speed) // the move restarts a running clock from the new time
	}
	return nil
}
