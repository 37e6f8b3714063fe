// Package docscheck keeps the newcomer's documentation true: its test fails
// when README.md grows past 260 lines, when a package of the repository is
// missing from the README's package table, when README.md or one of the
// pages beside the code (docs/deploy.md, infra/local/README.md,
// shared/app/offline/README.md) names a repository path in backticks that
// does not exist, or names a `make` target the Makefile does not have.
//
// The package has no code; run its test with go test ./internal/docscheck/.
package docscheck
