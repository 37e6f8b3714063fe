// Package memory keeps Resync's conversations in the graph and turns the
// answers that went wrong into review items an admin decides on:
//
//	(:Turn {key, id, user, conversationId, question, answer, agent, at,
//	        rating, comment, ratedAt})-[:ABOUT]->(:Job)
//	(:ReviewItem {id, turnId, user, reason, detail, question, answer, status,
//	              correction, reviewer, decidedAt, createdAt})-[:REVIEWS]->(:Turn)
//
// A turn's id is the chat message id; its key (user and id) is unique. An
// answer rated 2 or less, or caught by the Auditor (it names a job the plan
// does not have, or states a status the plan contradicts), becomes an open
// review item, once per turn and reason. An admin approves it with a
// correction or rejects it; approved corrections are found again for
// similar later questions (full-text candidates re-ranked by embedding
// similarity) and given to the agent as context.
//
// Every value reaches Cypher as a parameter.
//
// Errors: ErrNotFound, ErrConflict (the item was already decided),
// ErrInvalid, and the graph's errors wrapped with the operation.
package memory

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/resync/resync/shared/app/agent"
	"github.com/resync/resync/shared/app/retrieve"
)

// Errors, tested with errors.Is.
var (
	ErrNotFound = errors.New("memory: not found")
	ErrConflict = errors.New("memory: already decided")
	ErrInvalid  = errors.New("memory: invalid argument")
)

// Review reasons.
const (
	ReasonLowRating   = "low rating"
	ReasonUnknownJob  = "unknown job"
	ReasonContradicts = "contradicts plan status"
)

// Review statuses.
const (
	StatusOpen     = "open"
	StatusApproved = "approved"
	StatusRejected = "rejected"
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

// Graph runs parameterised queries (*graph.Store).
type Graph interface {
	Read(ctx context.Context, query string, params map[string]any) ([]*neo4j.Record, error)
	Write(ctx context.Context, query string, params map[string]any) ([]*neo4j.Record, error)
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
	cfg    Config
	schema *readiness
}

// readiness remembers that EnsureSchema succeeded once.
type readiness struct {
	mu   sync.Mutex
	done bool
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
	return &Store{cfg: cfg, schema: &readiness{}}, nil
}

// ReviewFullTextIndex is the full-text index over review items' questions
// and corrections.
const ReviewFullTextIndex = "review_text"

var schema = []string{
	"CREATE CONSTRAINT turn_key IF NOT EXISTS FOR (n:Turn) REQUIRE n.key IS UNIQUE",
	"CREATE CONSTRAINT reviewitem_id IF NOT EXISTS FOR (n:ReviewItem) REQUIRE n.id IS UNIQUE",
	"CREATE INDEX reviewitem_status IF NOT EXISTS FOR (n:ReviewItem) ON (n.status, n.createdAt)",
	"CREATE FULLTEXT INDEX " + ReviewFullTextIndex + " IF NOT EXISTS FOR (n:ReviewItem) ON EACH [n.question, n.correction]",
}

// Ready runs EnsureSchema until it has succeeded once for this Store; the
// searches call it, so a memory built while Neo4j was down gets its indexes
// when the server returns.
func (s *Store) Ready(ctx context.Context) error {
	s.schema.mu.Lock()
	defer s.schema.mu.Unlock()
	if s.schema.done {
		return nil
	}
	if err := s.EnsureSchema(ctx); err != nil {
		return err
	}
	s.schema.done = true
	return nil
}

// EnsureSchema creates the constraints and indexes of the memory; it is
// safe to run at every start and concurrently.
func (s *Store) EnsureSchema(ctx context.Context) error {
	for _, stmt := range schema {
		if _, err := s.cfg.Graph.Write(ctx, stmt, nil); err != nil && !alreadyExists(err) {
			return fmt.Errorf("memory: ensure schema: %s: %w", stmt, err)
		}
	}
	if _, err := s.cfg.Graph.Write(ctx, "CALL db.awaitIndexes(300)", nil); err != nil {
		return fmt.Errorf("memory: ensure schema: await indexes: %w", err)
	}
	return nil
}

func alreadyExists(err error) bool {
	var nerr *neo4j.Neo4jError
	return errors.As(err, &nerr) && strings.HasPrefix(nerr.Code, "Neo.ClientError.Schema.") &&
		strings.HasSuffix(nerr.Code, "AlreadyExists")
}

// Turn is one answered question.
type Turn struct {
	ID             string    `json:"id"` // the chat message id
	User           string    `json:"user"`
	ConversationID string    `json:"conversationId"`
	Question       string    `json:"question"`
	Answer         string    `json:"answer"`
	Agent          string    `json:"agent"`
	At             time.Time `json:"at"`
	// Jobs are the ids of the jobs the answer cited.
	Jobs []string `json:"jobs,omitempty"`
}

func turnKey(user, id string) string { return user + "\x00" + id }

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
	jobs := t.Jobs
	if jobs == nil {
		jobs = []string{}
	}
	_, err := s.cfg.Graph.Write(ctx, `
MERGE (t:Turn {key: $key})
SET t.id = $id, t.user = $user, t.conversationId = $conv, t.question = $question, t.answer = $answer,
    t.agent = $agent, t.at = $at
WITH t
OPTIONAL MATCH (t)-[old:ABOUT]->()
DELETE old
WITH DISTINCT t
UNWIND $jobs AS jid
MATCH (j:Job {id: jid})
MERGE (t)-[:ABOUT]->(j)`, map[string]any{
		"key": turnKey(t.User, t.ID), "id": t.ID, "user": t.User, "conv": t.ConversationID,
		"question": cut(t.Question, MaxText), "answer": cut(t.Answer, MaxText), "agent": t.Agent,
		"at": t.At.UTC(), "jobs": jobs,
	})
	if err != nil {
		return fmt.Errorf("memory: record turn %s: %w", t.ID, err)
	}
	return nil
}

// ReviewItem is an answer to review.
type ReviewItem struct {
	ID         string    `json:"id"`
	TurnID     string    `json:"turnId"`
	User       string    `json:"user"` // who asked
	Reason     string    `json:"reason"`
	Detail     string    `json:"detail"`
	Question   string    `json:"question"`
	Answer     string    `json:"answer"`
	Status     string    `json:"status"`
	Correction string    `json:"correction,omitempty"`
	Note       string    `json:"note,omitempty"` // why it was rejected
	Reviewer   string    `json:"reviewer,omitempty"`
	DecidedAt  time.Time `json:"decidedAt,omitzero"`
	CreatedAt  time.Time `json:"createdAt"`
	// Cited are the jobs the reviewed answer cited (the turn's ABOUT
	// edges), listed by Reviews and Review; empty when the turn is unknown.
	Cited []CitedJob `json:"cited"`
}

// CitedJob is a job an answer cited, as the graph names it.
type CitedJob struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// citedOf is the Cypher projection of a review item's cited jobs.
const citedOf = `[(r)-[:REVIEWS]->(:Turn)-[:ABOUT]->(j:Job) | {id: j.id, name: j.name}] AS cited`

func reviewID(user, turnID, reason string) string {
	sum := sha256.Sum256([]byte(user + "\x00" + turnID + "\x00" + reason))
	return "rev-" + hex.EncodeToString(sum[:12])
}

// Flag makes the turn (user, turnID) a review item for reason, once: a
// second flag for the same turn and reason returns the existing item with
// created false. The turn need not have been recorded (memory may have been
// off); the item then has no question or answer.
func (s *Store) Flag(ctx context.Context, user, turnID, reason, detail string) (ReviewItem, bool, error) {
	if user == "" || turnID == "" || reason == "" {
		return ReviewItem{}, false, fmt.Errorf("memory: flag: %w: user, turn and reason are required", ErrInvalid)
	}
	recs, err := s.cfg.Graph.Write(ctx, `
MERGE (r:ReviewItem {id: $id})
ON CREATE SET r.turnId = $turn, r.user = $user, r.reason = $reason, r.detail = $detail,
              r.status = $open, r.createdAt = $now, r._new = true
WITH r, coalesce(r._new, false) AS created
REMOVE r._new
WITH r, created
OPTIONAL MATCH (t:Turn {key: $key})
FOREACH (_ IN CASE WHEN t IS NULL OR NOT created THEN [] ELSE [1] END |
  SET r.question = t.question, r.answer = t.answer
  MERGE (r)-[:REVIEWS]->(t))
RETURN r, created`, map[string]any{
		"id": reviewID(user, turnID, reason), "turn": turnID, "user": user, "reason": reason,
		"detail": cut(detail, 2000), "open": StatusOpen, "now": s.cfg.Now().UTC(), "key": turnKey(user, turnID),
	})
	if err != nil {
		return ReviewItem{}, false, fmt.Errorf("memory: flag turn %s: %w", turnID, err)
	}
	created, _ := recs[0].Get("created")
	b, _ := created.(bool)
	return itemOf(recs[0]), b, nil
}

// Rate records a user's rating of the answer to message turnID and, when
// rating is LowRating or less, flags it. It returns the review item made,
// if any. ErrInvalid for a rating outside 1..5.
func (s *Store) Rate(ctx context.Context, user, turnID string, rating int, comment string) (*ReviewItem, error) {
	if rating < 1 || rating > 5 || user == "" || turnID == "" {
		return nil, fmt.Errorf("memory: rate: %w: user, turn and a rating from 1 to 5 are required", ErrInvalid)
	}
	_, err := s.cfg.Graph.Write(ctx, `
MERGE (t:Turn {key: $key})
ON CREATE SET t.id = $id, t.user = $user
SET t.rating = $rating, t.comment = $comment, t.ratedAt = $now`, map[string]any{
		"key": turnKey(user, turnID), "id": turnID, "user": user, "rating": int64(rating),
		"comment": cut(comment, 4000), "now": s.cfg.Now().UTC(),
	})
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
	recs, err := s.cfg.Graph.Read(ctx, `
MATCH (r:ReviewItem) WHERE ($status = '' OR r.status = $status) AND ($user = '' OR r.user = $user)
RETURN r, `+citedOf+` ORDER BY r.createdAt DESC, r.id SKIP $skip LIMIT $limit`, map[string]any{
		"status": f.Status, "user": f.User, "skip": int64(offset), "limit": int64(f.Limit + 1),
	})
	if err != nil {
		return Page{}, fmt.Errorf("memory: list reviews: %w", err)
	}
	p := Page{Items: make([]ReviewItem, 0, min(len(recs), f.Limit))}
	for i, r := range recs {
		if i == f.Limit {
			p.Next = strconv.Itoa(offset + f.Limit)
			break
		}
		p.Items = append(p.Items, itemOf(r))
	}
	return p, nil
}

// Review returns one review item, or ErrNotFound.
func (s *Store) Review(ctx context.Context, id string) (ReviewItem, error) {
	recs, err := s.cfg.Graph.Read(ctx, `MATCH (r:ReviewItem {id: $id}) RETURN r, `+citedOf, map[string]any{"id": id})
	if err != nil {
		return ReviewItem{}, fmt.Errorf("memory: get review %s: %w", id, err)
	}
	if len(recs) == 0 {
		return ReviewItem{}, fmt.Errorf("memory: get review %s: %w", id, ErrNotFound)
	}
	return itemOf(recs[0]), nil
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
	var correction, note any
	if status == StatusApproved {
		correction = text
	} else if text != "" {
		note = text
	}
	recs, err := s.cfg.Graph.Write(ctx, `
MATCH (r:ReviewItem {id: $id})
WITH r, r.status = $open AS open
FOREACH (_ IN CASE WHEN open THEN [1] ELSE [] END |
  SET r.status = $status, r.reviewer = $reviewer, r.decidedAt = $now, r.correction = $correction, r.note = $note)
RETURN r, open`, map[string]any{
		"id": id, "open": StatusOpen, "status": status, "reviewer": reviewer, "now": s.cfg.Now().UTC(),
		"correction": correction, "note": note,
	})
	if err != nil {
		return ReviewItem{}, fmt.Errorf("memory: %s %s: %w", status, id, err)
	}
	if len(recs) == 0 {
		return ReviewItem{}, fmt.Errorf("memory: %s %s: %w", status, id, ErrNotFound)
	}
	if open, _ := recs[0].Get("open"); open != true {
		return itemOf(recs[0]), fmt.Errorf("memory: %s %s: %w", status, id, ErrConflict)
	}
	return itemOf(recs[0]), nil
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
	if err := s.Ready(ctx); err != nil {
		return nil, err
	}
	recs, err := s.cfg.Graph.Read(ctx, `
CALL db.index.fulltext.queryNodes($index, $q, {limit: 50}) YIELD node, score
WHERE node.status = $approved AND node.correction IS NOT NULL AND node.question IS NOT NULL
RETURN node.id AS id, node.question AS question, node.correction AS correction ORDER BY score DESC LIMIT 20`,
		map[string]any{"index": ReviewFullTextIndex, "q": q, "approved": StatusApproved})
	if err != nil {
		return nil, fmt.Errorf("memory: corrections: %w", err)
	}
	if len(recs) == 0 {
		return nil, nil
	}
	texts := []string{question}
	cands := make([]Correction, len(recs))
	for i, r := range recs {
		cands[i] = Correction{ReviewID: str(r, "id"), Question: str(r, "question"), Correction: str(r, "correction")}
		texts = append(texts, cands[i].Question)
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
	// Insertion sort: a handful of items.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Similarity > out[j-1].Similarity; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
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

func str(r *neo4j.Record, key string) string {
	v, _ := r.Get(key)
	s, _ := v.(string)
	return s
}

func itemOf(rec *neo4j.Record) ReviewItem {
	v, _ := rec.Get("r")
	n, _ := v.(neo4j.Node)
	p := n.Props
	s := func(k string) string { x, _ := p[k].(string); return x }
	t := func(k string) time.Time {
		switch x := p[k].(type) {
		case time.Time:
			return x.UTC()
		case neo4j.LocalDateTime:
			return x.Time().UTC()
		}
		return time.Time{}
	}
	cited := []CitedJob{}
	if c, ok := rec.Get("cited"); ok {
		list, _ := c.([]any)
		for _, x := range list {
			m, _ := x.(map[string]any)
			id, _ := m["id"].(string)
			name, _ := m["name"].(string)
			if id != "" {
				cited = append(cited, CitedJob{ID: id, Name: name})
			}
		}
	}
	return ReviewItem{ID: s("id"), TurnID: s("turnId"), User: s("user"), Reason: s("reason"), Detail: s("detail"),
		Question: s("question"), Answer: s("answer"), Status: s("status"), Correction: s("correction"), Note: s("note"),
		Reviewer: s("reviewer"), DecidedAt: t("decidedAt"), CreatedAt: t("createdAt"), Cited: cited}
}
