// Package memory keeps Resync's conversations and turns the answers that
// went wrong into review items an admin decides on. It holds the rules;
// the store (the graph adapter, shared/adapter/graph/reviews.go) holds the
// Cypher.
//
// A turn's id is the chat message id; its key (user and id) is unique. An
// answer rated 2 or less, or caught by the Auditor (it names a job the plan
// does not have, or states a status the plan contradicts), becomes an open
// review item, once per turn and reason. An admin approves it with a
// correction or rejects it; approved corrections are found again for
// similar later questions (full-text candidates re-ranked by embedding
// similarity) and given to the agent as context.
//
// Errors: ErrNotFound, ErrConflict (the item was already decided),
// ErrInvalid, and the store's errors wrapped with the operation.
package memory

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/resync/resync/shared/app/agent"
	"github.com/resync/resync/shared/app/retrieve"
	"github.com/resync/resync/shared/domain/review"
)

// Errors, tested with errors.Is (the domain's, so a store's errors match).
var (
	ErrNotFound = review.ErrNotFound
	ErrConflict = review.ErrConflict
	ErrInvalid  = review.ErrInvalid
)

// Review reasons.
const (
	ReasonLowRating   = review.ReasonLowRating
	ReasonUnknownJob  = review.ReasonUnknownJob
	ReasonContradicts = review.ReasonContradicts
)

// Review statuses.
const (
	StatusOpen     = review.StatusOpen
	StatusApproved = review.StatusApproved
	StatusRejected = review.StatusRejected
)

// LowRating is the highest rating that makes a review item.
const LowRating = 2

// Bounds.
const (
	MaxText       = 16 << 10 // question and answer are cut to this many bytes
	MaxCorrection = 4000
	DefaultLimit  = 50
	MaxLimit      = 500
)

// Graph stores turns and review items (*graph.Store).
type Graph interface {
	// Ready prepares the store's schema, once; it fails while the store
	// cannot be reached.
	Ready(ctx context.Context) error
	RecordTurn(ctx context.Context, t review.Turn) error
	RateTurn(ctx context.Context, r review.Rating) error
	// Flag creates the item unless one of its id exists; it returns the
	// stored item and whether it was created.
	Flag(ctx context.Context, it review.Item) (review.Item, bool, error)
	Reviews(ctx context.Context, status, user string, offset, limit int) ([]review.Item, error)
	Review(ctx context.Context, id string) (review.Item, error)
	// Decide decides an open item: ErrNotFound, or ErrConflict with the
	// item when it was not open.
	Decide(ctx context.Context, d review.Decision) (review.Item, error)
	ApprovedCorrections(ctx context.Context, lucene string, limit int) ([]review.Candidate, error)
}

// Embedder turns texts into vectors (docs.Hashing, *bedrock.Embedder).
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// Config configures a Store. Graph and Embed are required.
type Config struct {
	Graph Graph
	Embed Embedder
	// Auditor checks answers; nil: only ratings make review items.
	Auditor *Auditor
	// MinSimilarity is the cosine similarity a past question needs to be
	// "similar" (default 0.5).
	MinSimilarity float64
	// MaxCorrections bounds the corrections given as context (default 3).
	MaxCorrections int
	Now            func() time.Time
}

// Store is the conversation memory. It is safe for concurrent use.
type Store struct {
	cfg Config
}

// New returns a Store; it returns ErrInvalid when Graph or Embed is missing.
func New(cfg Config) (*Store, error) {
	if cfg.Graph == nil || cfg.Embed == nil {
		return nil, fmt.Errorf("memory: new: %w: Graph and Embed are required", ErrInvalid)
	}
	if cfg.MinSimilarity <= 0 {
		cfg.MinSimilarity = 0.5
	}
	if cfg.MaxCorrections <= 0 {
		cfg.MaxCorrections = 3
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Store{cfg: cfg}, nil
}

// Ready prepares the store's schema until it has succeeded once; the
// writes and searches do it too, so a memory built while Neo4j was down
// gets its indexes when the server returns.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.cfg.Graph.Ready(ctx); err != nil {
		return fmt.Errorf("memory: ready: %w", err)
	}
	return nil
}

// Turn is one answered question.
type Turn = review.Turn

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// RecordTurn stores t (again: the latest write wins) and links it to the
// jobs it cited that are in the graph. ErrInvalid without user or id.
func (s *Store) RecordTurn(ctx context.Context, t Turn) error {
	if t.User == "" || t.ID == "" {
		return fmt.Errorf("memory: record turn: %w: user and id are required", ErrInvalid)
	}
	if t.At.IsZero() {
		t.At = s.cfg.Now()
	}
	t.Question, t.Answer = cut(t.Question, MaxText), cut(t.Answer, MaxText)
	err := s.cfg.Graph.RecordTurn(ctx, t)
	if err != nil {
		return fmt.Errorf("memory: record turn %s: %w", t.ID, err)
	}
	return nil
}

// ReviewItem is an answer to review.
type ReviewItem = review.Item

// Flag makes the turn (user, turnID) a review item for reason, once: a
// second flag for the same turn and reason returns the existing item with
// created false. The turn need not have been recorded (memory may have been
// off); the item then has no question or answer.
func (s *Store) Flag(ctx context.Context, user, turnID, reason, detail string) (ReviewItem, bool, error) {
	if user == "" || turnID == "" || reason == "" {
		return ReviewItem{}, false, fmt.Errorf("memory: flag: %w: user, turn and reason are required", ErrInvalid)
	}
	it, created, err := s.cfg.Graph.Flag(ctx, review.Item{ID: review.ItemID(user, turnID, reason), TurnID: turnID,
		User: user, Reason: reason, Detail: cut(detail, 2000), Status: StatusOpen, CreatedAt: s.cfg.Now()})
	if err != nil {
		return ReviewItem{}, false, fmt.Errorf("memory: flag turn %s: %w", turnID, err)
	}
	return it, created, nil
}

// Rate records a user's rating of the answer to message turnID and, when
// rating is LowRating or less, flags it. It returns the review item made,
// if any. ErrInvalid for a rating outside 1..5.
func (s *Store) Rate(ctx context.Context, user, turnID string, rating int, comment string) (*ReviewItem, error) {
	if rating < 1 || rating > 5 || user == "" || turnID == "" {
		return nil, fmt.Errorf("memory: rate: %w: user, turn and a rating from 1 to 5 are required", ErrInvalid)
	}
	err := s.cfg.Graph.RateTurn(ctx, review.Rating{User: user, TurnID: turnID, Rating: rating,
		Comment: cut(comment, 4000), At: s.cfg.Now()})
	if err != nil {
		return nil, fmt.Errorf("memory: rate turn %s: %w", turnID, err)
	}
	if rating > LowRating {
		return nil, nil
	}
	detail := "rated " + strconv.Itoa(rating) + "/5"
	if c := strings.TrimSpace(comment); c != "" {
		detail += ": " + c
	}
	item, _, err := s.Flag(ctx, user, turnID, ReasonLowRating, detail)
	if err != nil {
		return nil, err
	}
	return &item, nil
}

// Answered records an answered turn and flags it for every finding of the
// Auditor (when configured), which judges the answer against the plan as
// of now (the Store's clock): the answer has just been given. It returns
// the review items made.
func (s *Store) Answered(ctx context.Context, t agent.Turn, a agent.Answer) ([]ReviewItem, error) {
	var jobs []string
	for _, c := range a.Citations {
		if c.Kind == "job" {
			jobs = append(jobs, c.ID)
		}
	}
	at := s.cfg.Now()
	if err := s.RecordTurn(ctx, Turn{ID: t.MessageID, User: t.User, ConversationID: t.ConversationID,
		Question: t.Text, Answer: a.Text, Agent: a.Agent, Jobs: jobs, At: at}); err != nil {
		return nil, err
	}
	if s.cfg.Auditor == nil {
		return nil, nil
	}
	findings, err := s.cfg.Auditor.Check(ctx, at, t.Text, a.Text, jobs)
	if err != nil {
		return nil, fmt.Errorf("memory: audit turn %s: %w", t.MessageID, err)
	}
	var out []ReviewItem
	for _, f := range findings {
		item, created, err := s.Flag(ctx, t.User, t.MessageID, f.Reason, f.Detail)
		if err != nil {
			return out, err
		}
		if created {
			out = append(out, item)
		}
	}
	return out, nil
}

// Filter selects review items; Cursor is the Next of the previous page.
type Filter struct {
	Status string // "" for any
	User   string // who asked; "" for anyone
	Limit  int    // default DefaultLimit, at most MaxLimit
	Cursor string
}

// Page is one page of review items, newest first.
type Page struct {
	Items []ReviewItem `json:"items"`
	Next  string       `json:"next,omitempty"`
}

// Reviews lists review items. ErrInvalid for an unknown status, a bad
// limit or cursor.
func (s *Store) Reviews(ctx context.Context, f Filter) (Page, error) {
	switch f.Status {
	case "", StatusOpen, StatusApproved, StatusRejected:
	default:
		return Page{}, fmt.Errorf("memory: list reviews: %w: status %q", ErrInvalid, f.Status)
	}
	if f.Limit == 0 {
		f.Limit = DefaultLimit
	}
	if f.Limit < 1 || f.Limit > MaxLimit {
		return Page{}, fmt.Errorf("memory: list reviews: %w: limit %d outside 1..%d", ErrInvalid, f.Limit, MaxLimit)
	}
	offset := 0
	if f.Cursor != "" {
		n, err := strconv.Atoi(f.Cursor)
		if err != nil || n < 0 {
			return Page{}, fmt.Errorf("memory: list reviews: %w: cursor", ErrInvalid)
		}
		offset = n
	}
	items, err := s.cfg.Graph.Reviews(ctx, f.Status, f.User, offset, f.Limit+1)
	if err != nil {
		return Page{}, fmt.Errorf("memory: list reviews: %w", err)
	}
	p := Page{Items: items}
	if len(items) > f.Limit {
		p.Items, p.Next = items[:f.Limit], strconv.Itoa(offset+f.Limit)
	}
	return p, nil
}

// Review returns one review item, or ErrNotFound.
func (s *Store) Review(ctx context.Context, id string) (ReviewItem, error) {
	it, err := s.cfg.Graph.Review(ctx, id)
	if err != nil {
		return ReviewItem{}, fmt.Errorf("memory: get review %s: %w", id, err)
	}
	return it, nil
}

// Approve decides an open item with a correction (1..MaxCorrection
// characters), which later similar questions get as context. ErrNotFound,
// ErrConflict when it was already decided, ErrInvalid for the correction.
func (s *Store) Approve(ctx context.Context, id, reviewer, correction string) (ReviewItem, error) {
	correction = strings.TrimSpace(correction)
	if correction == "" || utf8.RuneCountInString(correction) > MaxCorrection {
		return ReviewItem{}, fmt.Errorf("memory: approve %s: %w: a correction of 1 to %d characters is required", id, ErrInvalid, MaxCorrection)
	}
	return s.decide(ctx, id, reviewer, StatusApproved, correction)
}

// Reject decides an open item without a correction; note (optional) says
// why. Errors as for Approve.
func (s *Store) Reject(ctx context.Context, id, reviewer, note string) (ReviewItem, error) {
	if utf8.RuneCountInString(note) > MaxCorrection {
		return ReviewItem{}, fmt.Errorf("memory: reject %s: %w: note longer than %d characters", id, ErrInvalid, MaxCorrection)
	}
	return s.decide(ctx, id, reviewer, StatusRejected, strings.TrimSpace(note))
}

func (s *Store) decide(ctx context.Context, id, reviewer, status, text string) (ReviewItem, error) {
	if reviewer == "" {
		return ReviewItem{}, fmt.Errorf("memory: %s %s: %w: no reviewer", status, id, ErrInvalid)
	}
	d := review.Decision{ID: id, Reviewer: reviewer, Status: status, At: s.cfg.Now()}
	if status == StatusApproved {
		d.Correction = text
	} else {
		d.Note = text
	}
	it, err := s.cfg.Graph.Decide(ctx, d)
	if err != nil {
		return it, fmt.Errorf("memory: %s %s: %w", status, id, err)
	}
	return it, nil
}

// Correction is an approved correction found for a question.
type Correction struct {
	ReviewID   string  `json:"reviewId"`
	Question   string  `json:"question"`
	Correction string  `json:"correction"`
	Similarity float64 `json:"similarity"`
}

// Corrections returns the approved corrections whose question is similar
// to question: full-text candidates (the question's words, escaped for
// Lucene) re-ranked by the cosine similarity of their embeddings, those of
// at least MinSimilarity, best first, at most MaxCorrections.
func (s *Store) Corrections(ctx context.Context, question string) ([]Correction, error) {
	q := retrieve.LuceneQuery(cut(question, 2000))
	if q == "" {
		return nil, nil
	}
	found, err := s.cfg.Graph.ApprovedCorrections(ctx, q, 20)
	if err != nil {
		return nil, fmt.Errorf("memory: corrections: %w", err)
	}
	if len(found) == 0 {
		return nil, nil
	}
	texts := []string{question}
	cands := make([]Correction, len(found))
	for i, c := range found {
		cands[i] = Correction{ReviewID: c.ReviewID, Question: c.Question, Correction: c.Correction}
		texts = append(texts, c.Question)
	}
	vecs, err := s.cfg.Embed.Embed(ctx, texts)
	if err != nil || len(vecs) != len(texts) {
		return nil, fmt.Errorf("memory: corrections: embed: %w", errors.Join(err, ErrInvalid))
	}
	var out []Correction
	for i := range cands {
		cands[i].Similarity = cosine(vecs[0], vecs[i+1])
		if cands[i].Similarity >= s.cfg.MinSimilarity {
			out = append(out, cands[i])
		}
	}
	slices.SortStableFunc(out, func(a, b Correction) int { return cmp.Compare(b.Similarity, a.Similarity) })
	if len(out) > s.cfg.MaxCorrections {
		out = out[:s.cfg.MaxCorrections]
	}
	return out, nil
}

// Context is the agent's RunnerConfig.Context hook: the corrections
// approved for questions like the turn's, as a block of the system prompt
// ("" when there are none).
func (s *Store) Context(ctx context.Context, t agent.Turn) (string, error) {
	cs, err := s.Corrections(ctx, t.Text)
	if err != nil || len(cs) == 0 {
		return "", err
	}
	var b strings.Builder
	b.WriteString("Corrections approved by reviewers for similar earlier questions (follow them where they apply; still check the plan with the tools):\n")
	for _, c := range cs {
		fmt.Fprintf(&b, "- Question: %s\n  Correction: %s\n", oneLine(c.Question, 300), oneLine(c.Correction, 1000))
	}
	return b.String(), nil
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = cut(s, n) + "…"
	}
	return s
}

func cosine(a, b []float32) float64 {
	if len(a) != len(b) {
		return 0
	}
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}
