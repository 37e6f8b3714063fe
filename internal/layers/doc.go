// Package layers keeps the import direction of shared/ true. Its test reads
// the import graph of the root module (go list) and fails when
//
//   - a package under shared/domain imports anything but the standard library
//     and other domain packages;
//   - a package under shared/adapter imports another adapter (its own
//     subpackages and parents excepted, as hwasim imports hwa), an application
//     service (shared/app) or an edge package (shared/edge);
//   - a package under shared/app imports a driver (go-redis, the Neo4j driver,
//     an aws-sdk-go-v2 service client), an adapter or an edge package;
//
// except for the pairs on the debt list in layers_test.go, each with the reason
// it is still there. The list can only shrink: the test also fails when an
// entry names an import that is no longer made, so the entry must be deleted.
// Only production imports count; tests may import what they need. The domain
// may also use the pure-algorithm libraries of domainLibraries.
//
// The package has no code; run its test with go test ./internal/layers/.
package layers
