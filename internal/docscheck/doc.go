// Package docscheck keeps the newcomer's documentation true. Its test fails
// when README.md grows past 260 lines, when a package of either module is
// missing from the README's package table, when README.md or a page beside
// the code (docs/deploy.md, infra/local/README.md,
// shared/app/offline/README.md, shared/edge/config/README.md) names in
// backticks a repository path that does not exist, or when one of them
// names a `make` target the Makefile does not have.
//
// The package has no code; run its test with go test ./internal/docscheck/.
package docscheck
