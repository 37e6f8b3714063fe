# Resync — developer entry points. Each target delegates to a script in scripts/
# so the logic stays readable and testable; see README.md.
SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help

.PHONY: help dev prod-local eval chaos test test-go fuzz bench build package synth diff deploy fmt vet services-up services-down

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

dev: ## run the whole stack locally on embedded defaults
	@scripts/dev.sh

prod-local: ## run the stack in production parity: STAGE=prod, RS256 tokens, Secrets Manager, Redis TLS+AUTH (infra/local/README.md)
	@LOCAL_PROD=1 scripts/dev.sh

test: ## install and start what the tests need, run every test with -race, stop the servers
	@scripts/test.sh

fuzz: ## run every Go fuzz target for FUZZTIME each (default 60s; make test runs them 3s each)
	@scripts/fuzz.sh

eval: ## ask the question bank through the local stack and grade every answer against the simulator
	@scripts/eval.sh

chaos: ## inject every fault of the matrix into HWA, Redis, Neo4j and Bedrock and print what users got (infra/local/CHAOS.md)
	@scripts/chaos.sh

bench: ## run the benchmarks
	@scripts/bench.sh

build: ## build bin/<fn>/bootstrap for linux/arm64
	@scripts/build.sh

package: build ## zip each function and print sizes
	@scripts/package.sh

synth: ## synthesize the CDK app into cdk.out
	@scripts/cdk.sh synth

diff: ## cdk diff against the configured account
	@scripts/cdk.sh diff

deploy: ## cdk deploy to the configured account
	@scripts/cdk.sh deploy

services-up: ## start the test Redis and Neo4j (prints the variables to export)
	@scripts/services.sh up

services-down: ## stop the test Redis and Neo4j
	@scripts/services.sh down

fmt: ## gofmt every Go file
	@gofmt -l -w $$(git ls-files '*.go')

vet: ## go vet both modules
	@go vet ./... && (cd infra/cdk && go vet ./...)
