// Package metrics is kyso's Prometheus instrumentation: the one place that
// imports the Prometheus client. Other packages do not import it; they
// report through small interfaces of their own (api.Observer, a func field
// of keys.Config) that cmd/kyso wires to a *Registry.
//
// A Registry is served on the operator listener (Registry.Serve, on the
// listener the config's metrics section, Section, binds), never on the
// API's router: request counts and latencies help an attacker time a
// denial of service. docs/operations.md lists every series.
//
// Label values are bounded sets — route templates, status codes, error
// codes, levels, profiles — never a path, client id or document.
//
// metrics imports nothing of kyso.
package metrics
