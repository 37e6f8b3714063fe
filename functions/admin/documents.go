package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/adapter/redis/audit"
	"github.com/resync/resync/shared/app/docs"
	"github.com/resync/resync/shared/edge/api"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/config"
	"github.com/resync/resync/shared/edge/routes"
)

// The documents API: upload URLs, listing and deletion of runbooks.
//
// Roles: uploading, listing and deleting runbooks needs the operator role
// (runbooks are operational knowledge the operators own; viewers only read
// the answers that cite them). An operator may delete only the documents
// they uploaded; an admin may delete any.

// Upload limits.
const (
	maxUploadBytes = docs.MaxBytes // 20 MiB
	uploadExpiry   = 15 * time.Minute
	maxNameRunes   = 200
)

// presigner presigns S3 requests (*s3.PresignClient).
type presigner interface {
	PresignPutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
}

// objectDeleter deletes S3 objects (*s3.Client).
type objectDeleter interface {
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, opts ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
}

// documentStore lists and deletes documents (*graph.Store).
type documentStore interface {
	Documents(ctx context.Context, f graph.DocumentFilter) ([]graph.Document, error)
	Document(ctx context.Context, id string) (graph.Document, error)
	DeleteDocument(ctx context.Context, id string) (bool, error)
	DocumentSections(ctx context.Context, id string) ([]graph.Section, error)
}

// documentsAPI serves the documents routes. A nil *documentsAPI (documents
// not configured) answers 503 on every route.
type documentsAPI struct {
	bucket  string
	presign presigner
	objects objectDeleter
	store   documentStore
	audit   *audit.Log
	now     func() time.Time
	newID   func() string
}

// buildDocuments wires the documents API when DOCUMENTS_BUCKET and
// NEO4J_URI are set; otherwise it returns nil and the routes answer 503.
// The closer releases the graph driver.
func buildDocuments(ctx context.Context, getenv func(string) string, store *graph.Store, log *audit.Log) (*documentsAPI, error) {
	bucket := getenv(config.EnvDocumentsBucket)
	if bucket == "" || store == nil {
		return nil, nil
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("admin: load AWS config: %w", err)
	}
	endpoint := getenv(config.EnvS3Endpoint)
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
		}
	})
	return &documentsAPI{bucket: bucket, presign: s3.NewPresignClient(client), objects: client, store: store, audit: log}, nil
}

func (d *documentsAPI) clock() time.Time {
	if d.now != nil {
		return d.now()
	}
	return time.Now()
}

func (d *documentsAPI) id() string {
	if d.newID != nil {
		return d.newID()
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func notConfigured() error {
	return api.Unavailable("document storage is not configured here (DOCUMENTS_BUCKET and NEO4J_URI)", 0)
}

// uploadRequest is the body of POST /api/v1/documents/upload-url.
type uploadRequest struct {
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
}

// uploadURL is its answer: PUT the file to URL with exactly these headers.
type uploadURL struct {
	URL        string            `json:"url"`
	Method     string            `json:"method"`
	Headers    map[string]string `json:"headers"`
	Key        string            `json:"key"`
	DocumentID string            `json:"documentId"`
	ExpiresAt  time.Time         `json:"expiresAt"`
	MaxBytes   int64             `json:"maxBytes"`
}

func (d *documentsAPI) uploadURL(w http.ResponseWriter, r *http.Request) error {
	var req uploadRequest
	if err := api.DecodeJSON(r, &req); err != nil {
		return err
	}
	name, err := cleanName(req.Name)
	if err != nil {
		return err
	}
	typ, ok := docs.ParseType(req.ContentType)
	if byName, known := docs.TypeOfName(name); !ok && known {
		// Browsers report some types their own way (a .csv as
		// application/vnd.ms-excel, a .md as ""): the extension decides,
		// and the answer's headers tell the client what to send.
		typ, ok = byName, true
	}
	if !ok {
		allowed := make([]string, 0, len(docs.Types()))
		for _, t := range docs.Types() {
			allowed = append(allowed, string(t))
		}
		return api.BadRequest("contentType must be one of " + strings.Join(allowed, ", "))
	}
	if byName, ok := docs.TypeOfName(name); ok && byName != typ {
		return api.BadRequest(fmt.Sprintf("a file named %q is %s, not %s", name, byName, typ))
	}
	if req.Size < 1 || req.Size > maxUploadBytes {
		return api.BadRequest(fmt.Sprintf("size must be between 1 and %d bytes (%d MB)", maxUploadBytes, maxUploadBytes>>20))
	}
	if d == nil {
		return notConfigured()
	}
	user := callerOf(r)
	if user == "" {
		return api.Forbidden("uploads need a signed-in user")
	}
	key := routes.UploadPrefix + keySegment(user) + "/" + d.id() + "/" + name
	out, err := d.presign.PresignPutObject(r.Context(), &s3.PutObjectInput{
		Bucket: aws.String(d.bucket), Key: aws.String(key),
		ContentType: aws.String(string(typ)), ContentLength: aws.Int64(req.Size),
	}, s3.WithPresignExpires(uploadExpiry))
	if err != nil {
		return fmt.Errorf("admin: presign upload: %w", err)
	}
	headers := map[string]string{"Content-Type": string(typ), "Content-Length": strconv.FormatInt(req.Size, 10)}
	for k, vs := range out.SignedHeader {
		if ck := http.CanonicalHeaderKey(k); ck != "Host" && ck != "Content-Length" && ck != "Content-Type" && len(vs) > 0 {
			headers[ck] = vs[0]
		}
	}
	docID := graph.DocumentID(d.bucket, key)
	if _, err := d.audit.Append(r.Context(), audit.Entry{User: user, Action: "document:upload-url", Targets: []string{key}, Result: "ok", Detail: string(typ) + ", " + strconv.FormatInt(req.Size, 10) + " bytes"}); err != nil {
		return api.Unavailable("the upload URL could not be audited, so none was issued; try again", 5)
	}
	api.WriteJSON(w, r, http.StatusOK, uploadURL{
		URL: out.URL, Method: out.Method, Headers: headers, Key: key, DocumentID: docID,
		ExpiresAt: d.clock().Add(uploadExpiry).UTC(), MaxBytes: maxUploadBytes,
	})
	return nil
}

// documentList is the answer of GET /api/v1/documents. Available is false
// (and the list empty) where document storage is not configured, so a
// client can say so instead of failing.
type documentList struct {
	Documents []graph.Document `json:"documents"`
	Available bool             `json:"available"`
	Note      string           `json:"note,omitempty"`
}

func (d *documentsAPI) list(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := graph.DocumentFilter{Limit: 100}
	for k := range q {
		switch k {
		case "limit", "mine":
		default:
			return api.BadRequest("unknown query parameter " + strconv.Quote(k))
		}
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return api.BadRequest("limit must be between 1 and 1000")
		}
		f.Limit = n
	}
	if d == nil {
		api.WriteJSON(w, r, http.StatusOK, documentList{Documents: []graph.Document{},
			Note: "document storage is not configured here (DOCUMENTS_BUCKET and NEO4J_URI)"})
		return nil
	}
	if q.Get("mine") == "true" {
		f.UploadedBy = callerOf(r)
	}
	list, err := d.store.Documents(r.Context(), f)
	if err != nil {
		return graphProblem(err)
	}
	api.WriteJSON(w, r, http.StatusOK, documentList{Documents: list, Available: true})
	return nil
}

var documentIDPattern = regexp.MustCompile(`^doc-[0-9a-f]{32}$`)

// documentText is the answer of GET /api/v1/documents/{id}/sections.
type documentText struct {
	Document graph.Document  `json:"document"`
	Sections []graph.Section `json:"sections"`
}

// sections answers GET /api/v1/documents/{id}/sections: the runbook's
// chunks in order, for any operator (the knowledge base is shared; an
// answer quotes it to anyone), so a citation opens at its section.
func (d *documentsAPI) sections(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if !documentIDPattern.MatchString(id) {
		return api.NotFound("no document " + strconv.Quote(id))
	}
	if len(r.URL.Query()) > 0 {
		return api.BadRequest("this route takes no query parameters")
	}
	if d == nil {
		return notConfigured()
	}
	doc, err := d.store.Document(r.Context(), id)
	if errors.Is(err, graph.ErrNotFound) {
		return api.NotFound("no document " + strconv.Quote(id))
	}
	if err != nil {
		return graphProblem(err)
	}
	secs, err := d.store.DocumentSections(r.Context(), id)
	if errors.Is(err, graph.ErrNotFound) {
		return api.NotFound("no document " + strconv.Quote(id))
	}
	if err != nil {
		return graphProblem(err)
	}
	api.WriteJSON(w, r, http.StatusOK, documentText{Document: doc, Sections: secs})
	return nil
}

func (d *documentsAPI) remove(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if !documentIDPattern.MatchString(id) {
		return api.NotFound("no document " + strconv.Quote(id))
	}
	if d == nil {
		return notConfigured()
	}
	ctx := r.Context()
	doc, err := d.store.Document(ctx, id)
	if errors.Is(err, graph.ErrNotFound) {
		// Already gone (or never there): deleting is idempotent.
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	if err != nil {
		return graphProblem(err)
	}
	user := callerOf(r)
	c, _ := auth.FromContext(ctx)
	if c.Role != auth.RoleAdmin && doc.UploadedBy != user {
		return api.Forbidden("only the uploader or an admin may delete this document")
	}
	// Recorded before it runs (the durable trail first); unrecorded, it does not run.
	if _, err := d.audit.Append(ctx, audit.Entry{User: user, Action: "document:delete", Targets: []string{doc.Key}, Result: "accepted", Detail: id}); err != nil {
		return api.Unavailable("the deletion could not be audited, so nothing was deleted; try again", 5)
	}
	failed := func(what string, problem error) error {
		_, _ = d.audit.Append(context.WithoutCancel(ctx), audit.Entry{User: user, Action: "document:delete", Targets: []string{doc.Key}, Result: "failed: " + what, Detail: id})
		return problem
	}
	// Remove the object (its ObjectRemoved event makes ingest delete the
	// document too), then the document at once, so the answer is final.
	if doc.Bucket != "" && doc.Key != "" {
		if _, err := d.objects.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(doc.Bucket), Key: aws.String(doc.Key)}); err != nil {
			return failed("storage", api.Unavailable("the document's file could not be deleted from storage; try again", 5))
		}
	}
	if _, err := d.store.DeleteDocument(ctx, id); err != nil {
		return failed("document store", graphProblem(err))
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func graphProblem(err error) error {
	if errors.Is(err, graph.ErrUnavailable) {
		return api.Unavailable("the document store (Neo4j) cannot be reached", 5)
	}
	return fmt.Errorf("admin: documents: %w", err)
}

func callerOf(r *http.Request) string {
	if c, ok := auth.FromContext(r.Context()); ok {
		return c.User()
	}
	return ""
}

// keySegment makes a user name one segment of an object key by escaping it
// (url.PathEscape, which escapes "/" and "%"; "." and ".." spelled %2E), not
// by replacing characters: "a/b" and "a_b" get different segments, so no
// user can list or delete another's uploads. ingest's uploaderOf reverses it.
// The user is never empty (upload refuses that).
func keySegment(user string) string {
	switch user {
	case ".", "..":
		return strings.Repeat("%2E", len(user))
	}
	return url.PathEscape(user) // also escapes "\\", control characters and non-ASCII bytes
}

// cleanName checks an uploaded file's name: a base name without path
// separators or control characters, at most maxNameRunes.
func cleanName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "" || name == "." || name == "..":
		return "", api.BadRequest("name is required, e.g. payroll-runbook.md")
	case strings.ContainsAny(name, `/\`):
		return "", api.BadRequest("name must be a file name without folders")
	case len([]rune(name)) > maxNameRunes:
		return "", api.BadRequest("name is longer than " + strconv.Itoa(maxNameRunes) + " characters")
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return "", api.BadRequest("name contains control characters")
		}
	}
	return name, nil
}
