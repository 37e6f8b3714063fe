package main

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/resync/resync/shared/adapter/graph"
)

// runbooks reads the sections of the documents ingest wrote into the graph
// (*graph.Store).
type runbooks interface {
	Sections(ctx context.Context, limit int) ([]graph.SectionRef, error)
	Section(ctx context.Context, documentID, section string) (graph.SectionText, error)
}

// The runbook-section resource: resync://runbook/{document}/{section},
// {document} the document id, {section} its heading path (" > "-joined)
// path-escaped, "~" for the text before the first heading.
const (
	runbookURIPrefix = "resync://runbook/"
	runbookTemplate  = runbookURIPrefix + "{document}/{section}"
	runbookMIME      = "text/markdown"
	sectionTop       = "~"
	// maxListedSections bounds the sections resources/list adds.
	maxListedSections = 200
)

// sectionURI is the resource URI of one section.
func sectionURI(documentID, section string) string {
	seg := url.PathEscape(section)
	switch section {
	case "":
		seg = sectionTop
	case sectionTop:
		seg = "%7E"
	}
	return runbookURIPrefix + url.PathEscape(documentID) + "/" + seg
}

// parseSectionURI is the inverse of sectionURI.
func parseSectionURI(uri string) (documentID, section string, ok bool) {
	rest, ok := strings.CutPrefix(uri, runbookURIPrefix)
	if !ok {
		return "", "", false
	}
	doc, seg, ok := strings.Cut(rest, "/")
	if !ok || doc == "" || seg == "" || strings.Contains(seg, "/") {
		return "", "", false
	}
	documentID, err := url.PathUnescape(doc)
	if err != nil {
		return "", "", false
	}
	if seg == sectionTop {
		return documentID, "", true
	}
	if section, err = url.PathUnescape(seg); err != nil {
		return "", "", false
	}
	return documentID, section, true
}

// sectionTitle is how a section is named in a listing.
func sectionTitle(r graph.SectionRef) string {
	if r.Section == "" {
		return r.Document + " (introduction)"
	}
	return r.Document + ": " + r.Section
}

// runbookSection reads resync://runbook/{document}/{section}.
func (h *handler) runbookSection(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	if _, _, err := caller(req.Extra); err != nil {
		return nil, err
	}
	uri := req.Params.URI
	doc, section, ok := parseSectionURI(uri)
	if !ok {
		return nil, mcp.ResourceNotFoundError(uri)
	}
	s, err := h.d.runbooks.Section(ctx, doc, section)
	switch {
	case errors.Is(err, graph.ErrNotFound):
		return nil, mcp.ResourceNotFoundError(uri)
	case err != nil:
		h.d.log.WarnContext(ctx, "reading a runbook section failed", "document", doc, "err", err.Error())
		return nil, errors.New("the runbooks cannot be read right now")
	}
	text := "# " + sectionTitle(s.SectionRef) + "\n\n" + s.Text
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: runbookMIME, Text: text}}}, nil
}

// listSections is receiving middleware that adds the runbook sections to
// the first page of resources/list: they live in the graph and change with
// every upload, so they cannot be registered when the server is built.
func (h *handler) listSections(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		res, err := next(ctx, method, req)
		if err != nil || method != "resources/list" {
			return res, err
		}
		lr, ok := res.(*mcp.ListResourcesResult)
		if p, _ := req.GetParams().(*mcp.ListResourcesParams); !ok || (p != nil && p.Cursor != "") {
			return res, nil
		}
		refs, err := h.d.runbooks.Sections(ctx, maxListedSections)
		if err != nil {
			// The list still answers: the job-log template does not need
			// the graph.
			h.d.log.WarnContext(ctx, "listing runbook sections failed", "err", err.Error())
			return lr, nil
		}
		for _, r := range refs {
			lr.Resources = append(lr.Resources, &mcp.Resource{
				URI: sectionURI(r.DocumentID, r.Section), Name: "runbook-section", Title: sectionTitle(r),
				MIMEType: runbookMIME, Description: "A section of the runbook " + r.Document + " as ingested for search.",
			})
		}
		return lr, nil
	}
}
