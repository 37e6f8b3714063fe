package graph

import (
	"context"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/resync/resync/shared/domain/review"
)

// The conversation memory in the graph (shared/app/memory decides what is
// stored; these methods are its Cypher):
//
//	(:Turn {key, id, user, conversationId, question, answer, agent, at,
//	        rating, comment, ratedAt})-[:ABOUT]->(:Job)
//	(:ReviewItem {id, turnId, user, reason, detail, question, answer, status,
//	              correction, note, reviewer, decidedAt, createdAt})-[:REVIEWS]->(:Turn)
//
// A turn's key (user and message id) is unique; so is an item's id. Their
// constraints and the full-text index ReviewFullTextIndex are part of
// EnsureSchema.

// ReviewFullTextIndex is the full-text index over review items' questions
// and corrections.
const ReviewFullTextIndex = "review_text"

func turnKey(user, id string) string { return user + "\x00" + id }

// RecordTurn stores t (again: the latest write wins) and links it to the
// jobs it cited that are in the graph.
func (s *Store) RecordTurn(ctx context.Context, t review.Turn) error {
	if err := s.Ready(ctx); err != nil {
		return err
	}
	jobs := t.Jobs
	if jobs == nil {
		jobs = []string{}
	}
	_, err := s.Write(ctx, `
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
		"question": t.Question, "answer": t.Answer, "agent": t.Agent, "at": t.At.UTC(), "jobs": jobs,
	})
	if err != nil {
		return fmt.Errorf("graph: record turn %s: %w", t.ID, err)
	}
	return nil
}

// RateTurn records a rating on the turn, creating the turn when it was
// never recorded (memory may have been off when it was answered).
func (s *Store) RateTurn(ctx context.Context, r review.Rating) error {
	if err := s.Ready(ctx); err != nil {
		return err
	}
	_, err := s.Write(ctx, `
MERGE (t:Turn {key: $key})
ON CREATE SET t.id = $id, t.user = $user
SET t.rating = $rating, t.comment = $comment, t.ratedAt = $now`, map[string]any{
		"key": turnKey(r.User, r.TurnID), "id": r.TurnID, "user": r.User, "rating": int64(r.Rating),
		"comment": r.Comment, "now": r.At.UTC(),
	})
	if err != nil {
		return fmt.Errorf("graph: rate turn %s: %w", r.TurnID, err)
	}
	return nil
}

// Flag creates it (ID, TurnID, User, Reason, Detail, Status, CreatedAt
// set by the caller) unless an item of that id exists, copying the turn's
// question and answer when the turn is stored. It returns the stored item
// and whether this call created it.
func (s *Store) Flag(ctx context.Context, it review.Item) (review.Item, bool, error) {
	if err := s.Ready(ctx); err != nil {
		return review.Item{}, false, err
	}
	recs, err := s.Write(ctx, `
MERGE (r:ReviewItem {id: $id})
ON CREATE SET r.turnId = $turn, r.user = $user, r.reason = $reason, r.detail = $detail,
              r.status = $status, r.createdAt = $now, r._new = true
WITH r, coalesce(r._new, false) AS created
REMOVE r._new
WITH r, created
OPTIONAL MATCH (t:Turn {key: $key})
FOREACH (_ IN CASE WHEN t IS NULL OR NOT created THEN [] ELSE [1] END |
  SET r.question = t.question, r.answer = t.answer
  MERGE (r)-[:REVIEWS]->(t))
RETURN r, created`, map[string]any{
		"id": it.ID, "turn": it.TurnID, "user": it.User, "reason": it.Reason, "detail": it.Detail,
		"status": it.Status, "now": it.CreatedAt.UTC(), "key": turnKey(it.User, it.TurnID),
	})
	if err != nil {
		return review.Item{}, false, fmt.Errorf("graph: flag turn %s: %w", it.TurnID, err)
	}
	if len(recs) == 0 {
		return review.Item{}, false, fmt.Errorf("graph: flag turn %s: no row returned", it.TurnID)
	}
	created, _ := recs[0].Get("created")
	b, _ := created.(bool)
	return itemOf(recs[0]), b, nil
}

// Reviews returns up to limit items from offset, newest first, of status
// and asked by user ("" for any).
func (s *Store) Reviews(ctx context.Context, status, user string, offset, limit int) ([]review.Item, error) {
	recs, err := s.Read(ctx, `
MATCH (r:ReviewItem) WHERE ($status = '' OR r.status = $status) AND ($user = '' OR r.user = $user)
RETURN r, `+citedOf+` ORDER BY r.createdAt DESC, r.id SKIP $skip LIMIT $limit`, map[string]any{
		"status": status, "user": user, "skip": int64(offset), "limit": int64(limit),
	})
	if err != nil {
		return nil, fmt.Errorf("graph: list reviews: %w", err)
	}
	out := make([]review.Item, 0, len(recs))
	for _, r := range recs {
		out = append(out, itemOf(r))
	}
	return out, nil
}

// Review returns one item, or review.ErrNotFound.
func (s *Store) Review(ctx context.Context, id string) (review.Item, error) {
	recs, err := s.Read(ctx, `MATCH (r:ReviewItem {id: $id}) RETURN r, `+citedOf, map[string]any{"id": id})
	if err != nil {
		return review.Item{}, fmt.Errorf("graph: get review %s: %w", id, err)
	}
	if len(recs) == 0 {
		return review.Item{}, fmt.Errorf("graph: get review %s: %w", id, review.ErrNotFound)
	}
	return itemOf(recs[0]), nil
}

// Decide applies d to an open item in one statement, so two reviewers
// cannot both decide it: review.ErrNotFound when there is no such item,
// review.ErrConflict (with the item as decided before) when it was not open.
func (s *Store) Decide(ctx context.Context, d review.Decision) (review.Item, error) {
	var correction, note any
	if d.Correction != "" {
		correction = d.Correction
	}
	if d.Note != "" {
		note = d.Note
	}
	recs, err := s.Write(ctx, `
MATCH (r:ReviewItem {id: $id})
WITH r, r.status = $open AS open
FOREACH (_ IN CASE WHEN open THEN [1] ELSE [] END |
  SET r.status = $status, r.reviewer = $reviewer, r.decidedAt = $now, r.correction = $correction, r.note = $note)
RETURN r, open`, map[string]any{
		"id": d.ID, "open": review.StatusOpen, "status": d.Status, "reviewer": d.Reviewer, "now": d.At.UTC(),
		"correction": correction, "note": note,
	})
	if err != nil {
		return review.Item{}, fmt.Errorf("graph: %s %s: %w", d.Status, d.ID, err)
	}
	if len(recs) == 0 {
		return review.Item{}, fmt.Errorf("graph: %s %s: %w", d.Status, d.ID, review.ErrNotFound)
	}
	if open, _ := recs[0].Get("open"); open != true {
		return itemOf(recs[0]), fmt.Errorf("graph: %s %s: %w", d.Status, d.ID, review.ErrConflict)
	}
	return itemOf(recs[0]), nil
}

// ApprovedCorrections returns up to limit approved items whose question or
// correction matches the Lucene query, best full-text score first.
func (s *Store) ApprovedCorrections(ctx context.Context, lucene string, limit int) ([]review.Candidate, error) {
	if err := s.Ready(ctx); err != nil {
		return nil, err
	}
	recs, err := s.Read(ctx, `
CALL db.index.fulltext.queryNodes($index, $q, {limit: 50}) YIELD node, score
WHERE node.status = $approved AND node.correction IS NOT NULL AND node.question IS NOT NULL
RETURN node.id AS id, node.question AS question, node.correction AS correction ORDER BY score DESC LIMIT $limit`,
		map[string]any{"index": ReviewFullTextIndex, "q": lucene, "approved": review.StatusApproved, "limit": int64(limit)})
	if err != nil {
		return nil, fmt.Errorf("graph: corrections: %w", err)
	}
	out := make([]review.Candidate, 0, len(recs))
	for _, r := range recs {
		out = append(out, review.Candidate{ReviewID: recString(r, "id"), Question: recString(r, "question"),
			Correction: recString(r, "correction")})
	}
	return out, nil
}

// citedOf is the Cypher projection of a review item's cited jobs: the
// jobs its turn is ABOUT.
const citedOf = `[(r)-[:REVIEWS]->(:Turn)-[:ABOUT]->(j:Job) | {id: j.id, name: j.name}] AS cited`

func itemOf(rec *neo4j.Record) review.Item {
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
	cited := []review.CitedJob{}
	if c, ok := rec.Get("cited"); ok {
		list, _ := c.([]any)
		for _, x := range list {
			m, _ := x.(map[string]any)
			id, _ := m["id"].(string)
			name, _ := m["name"].(string)
			if id != "" {
				cited = append(cited, review.CitedJob{ID: id, Name: name})
			}
		}
	}
	return review.Item{ID: s("id"), TurnID: s("turnId"), User: s("user"), Reason: s("reason"), Detail: s("detail"),
		Question: s("question"), Answer: s("answer"), Status: s("status"), Correction: s("correction"), Note: s("note"),
		Reviewer: s("reviewer"), DecidedAt: t("decidedAt"), CreatedAt: t("createdAt"), Cited: cited}
}
